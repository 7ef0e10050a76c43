import { agentOperations } from './agents/agents-openapi.js';
import { connectorOperations } from './connectors/connectors-openapi.js';
import { embedLinkOperations } from './embed/embed-links-openapi.js';
import { eventOperations } from './events/events-openapi.js';
import { healthOperations } from './health/health-openapi.js';
import { linkOperations } from './link/link-openapi.js';
import { orderOperations } from './orders/orders-openapi.js';
import { performedStepOperations } from './performed-steps/performed-steps-openapi.js';
import { probeOperations } from './probes/probes-openapi.js';
import { studyOperations } from './studies/studies-openapi.js';
import type { ApiOperation } from './openapi/api-operation.js';
import { openApiOperations } from './openapi/openapi-routes.js';
import { webhookOperations } from './webhooks/webhooks-openapi.js';
import { staffAccountOperations } from './staff/staff-accounts-openapi.js';
import { apiKeyOperations } from './sites/api-keys-openapi.js';
import { siteSettingsOperations } from './sites/site-settings-openapi.js';

/**
 * Every documented operation, in the order the docs page shows their tags. A module with routes
 * declares its operations in its own `*-openapi.ts` and adds one line here.
 */
export const apiOperations: readonly ApiOperation[] = [
  ...orderOperations,
  ...performedStepOperations,
  ...studyOperations,
  ...embedLinkOperations,
  ...siteSettingsOperations,
  ...eventOperations,
  ...webhookOperations,
  ...connectorOperations,
  ...staffAccountOperations,
  ...agentOperations,
  ...apiKeyOperations,
  ...linkOperations,
  ...probeOperations,
  ...healthOperations,
  ...openApiOperations,
];

/** The docs page's sections, in the order it shows them, each with what its operations are for. */
const tagDescriptions: Record<string, string> = {
  Orders: 'Imaging orders from invoice lines; they become the Modality Worklist.',
  'Performed steps': 'MPPS as the modalities reported them, and the reconciliation of steps no order claims.',
  Studies: 'Images the modalities sent, filed to their orders, with thumbnails and previews.',
  'Chart panel': "Signed links to a patient's imaging panel, for an iframe or a tab of the PIMS record.",
  Agents: 'The services on the modality PCs and their link to this plugin.',
  'API keys': 'The keys the PIMS authenticates with: created, listed, revoked.',
  'Link checks': 'Numbered probes an installer sends through the link to prove it.',
  Events: 'Every state change, as a webhook delivery and in the events feed.',
  Webhooks: 'Subscriptions that push the events to the PIMS, signed, retried until taken.',
  Connectors: 'PIMS that speak HL7 v2, ezyVet or Provet Cloud, connected without code of their own.',
  Staff: 'Accounts for the staff screens, and single-use links that open them as a PIMS user.',
  Health: 'For load balancers and supervisors; no key needed.',
  'API description': 'This document, and the page at `/docs` rendered from it.',
};

export const apiTags = Object.entries(tagDescriptions).map(([name, description]) => ({ name, description }));
