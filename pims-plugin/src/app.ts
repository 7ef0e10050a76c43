import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Database } from './db/database.js';
import type { Logger } from './log.js';
import { apiKeyAuth } from './sites/api-key-auth.js';
import { mountAgentRoutes } from './agents/agents-routes.js';
import { mountProbeRoutes } from './probes/probes-routes.js';
import { mountLinkRoute } from './link/link-route.js';
import type { LinkHub } from './link/link-hub.js';
import type { AppEnv } from './http/app-env.js';
import { OrderCommands } from './orders/order-commands.js';
import { mountOrderRoutes } from './orders/orders-routes.js';
import { mountPerformedStepRoutes } from './performed-steps/performed-steps-routes.js';
import { mountReconciliationRoutes } from './performed-steps/reconciliation-routes.js';
import { mountHealthRoutes } from './health/health-routes.js';
import { apiOperations, apiTags } from './api-operations.js';
import { mountOpenApiRoutes } from './openapi/openapi-routes.js';
import { eventCatalogue, eventEnvelopeSchema } from './events/event-catalogue.js';
import { mountEventRoutes } from './events/events-routes.js';
import { mountWebhookRoutes, type SubscriptionsListener } from './webhooks/webhooks-routes.js';
import type { StudyIntake } from './link/apply-agent-message.js';
import { mountMediaRoutes } from './studies/media-routes.js';
import { mountStudyRoutes } from './studies/studies-routes.js';
import { errorToProblem, problemResponse } from './http/problem.js';
import { mountConnectorRoutes, type ConnectorRouteDeps } from './connectors/connectors-routes.js';
import { mountConnectorEndpoints } from './connectors/connector-endpoints.js';
import type { EmbedLinks } from './embed/embed-links.js';
import { mountEmbedLinkRoutes } from './embed/embed-links-routes.js';
import type { OutboundGuard } from './security/outbound-guard.js';
import type { SecretBox } from './security/secret-box.js';
import { mountPageAssets, type PageAssets } from './pages/page-assets.js';
import { mountEmbedPages } from './embed/embed-page-routes.js';
import { requestContext } from './http/request-context.js';
import { pluginMetrics } from './metrics/plugin-metrics.js';
import { mountAppScreens } from './app/mount-app.js';
import { SessionCookie } from './staff/session-cookie.js';
import { mountStaffAccountRoutes } from './staff/staff-accounts-routes.js';
import type { MediaLinks } from './studies/media-links.js';
import { mountViewerPages } from './viewer/viewer-routes.js';
import { mountApiKeyRoutes } from './sites/api-keys-routes.js';
import type { FrameOrigins } from './sites/frame-origins.js';
import { mountSiteSettingsRoutes } from './sites/site-settings-routes.js';
import { requireJsonBodies } from './http/content-type-guard.js';
import { securityHeaders } from './http/security-headers.js';

export interface AppDeps {
  database: Database;
  hub: LinkHub;
  log: Logger;
  heartbeatMs: number;
  timeZone: string;
  /** Where media go and how images complete orders. */
  intake: StudyIntake;
  /** The webhook worker, told of new, deleted and resumed subscriptions; absent, its poll finds them. */
  webhooks?: SubscriptionsListener;
  /** The PIMS connectors' routes; absent, /v1/connectors is not served. */
  connectors?: Omit<ConnectorRouteDeps, 'database' | 'log'>;
  /** Where the PIMS and browsers reach this plugin: absolute URLs in answers start here. */
  publicBaseUrl: string;
  /** Seals secrets kept at rest. */
  secrets: SecretBox;
  /** Every outbound HTTP call (webhooks, connectors) goes through it. */
  outbound: OutboundGuard;
  embedLinks: EmbedLinks;
  /** Signs and checks the sites' media URLs. */
  mediaLinks: MediaLinks;
  /** Origins allowed to frame the chart panel. */
  frameOrigins: FrameOrigins;
  /** Scripts and style sheets of the pages, built at start. */
  pageAssets: PageAssets;
  /** Session cookies are `Secure`: the plugin serves TLS itself or is reached by an https URL. */
  secureCookies?: boolean;
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestContext(deps.log));
  app.use(securityHeaders());
  app.use(pluginMetrics.middleware());
  app.onError((err, c) => errorToProblem(err, c, c.get('log')));
  app.notFound((c) => problemResponse(404, 'Not found', `no route for ${c.req.method} ${c.req.path}`));
  mountHealthRoutes(app, deps.database);
  pluginMetrics.mount(app);
  // Public, so mounted before the API key guard: see openapi-routes.ts.
  mountOpenApiRoutes(app, apiOperations, {
    tags: apiTags,
    events: { catalogue: eventCatalogue, envelope: eventEnvelopeSchema },
  });
  // Media URLs are capabilities (signed for one site, expiring): no key, so a browser can show
  // them. Mounted before the guard.
  mountMediaRoutes(app, deps.intake.media, deps.mediaLinks);
  // Pages authenticate with their own signed links or sessions, never the PIMS API key.
  mountPageAssets(app, deps.pageAssets);
  mountEmbedPages(app, deps);
  mountViewerPages(app, deps);
  const notifyAgents = (ids: string[]) => {
    for (const id of ids) deps.hub.notify(id);
  };
  const commands = new OrderCommands({ database: deps.database, timeZone: deps.timeZone, notifyAgents });
  // Staff screens authenticate with their own sessions, never the PIMS API key.
  mountAppScreens(app, {
    database: deps.database,
    pageAssets: deps.pageAssets,
    cookie: new SessionCookie(deps.secureCookies ?? deps.publicBaseUrl.startsWith('https:')),
    commands,
    hub: deps.hub,
    publicBaseUrl: deps.publicBaseUrl,
    mediaLinks: deps.mediaLinks,
    timeZone: deps.timeZone,
    notifyAgents,
    webhooksChanged: () => deps.webhooks?.subscriptionsChanged(),
  });
  // The agents' link authenticates with agent tokens, not PIMS keys: mount it before that guard.
  mountLinkRoute(app, deps);
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: () => problemResponse(413, 'Payload too large', 'request bodies are limited to 1 MiB'),
    }),
  );
  app.use('/v1/*', requireJsonBodies());
  app.use('/v1/*', apiKeyAuth(deps.database));
  mountAgentRoutes(app, deps.database, deps.hub);
  mountApiKeyRoutes(app, deps.database);
  mountProbeRoutes(app, deps.database, deps.hub);
  mountOrderRoutes(app, deps.database, commands);
  mountPerformedStepRoutes(app, deps.database);
  mountStudyRoutes(app, deps.database, deps.mediaLinks);
  mountEmbedLinkRoutes(app, deps.database, deps.embedLinks);
  mountSiteSettingsRoutes(app, deps.database, deps.frameOrigins);
  mountEventRoutes(app, deps.database);
  mountStaffAccountRoutes(app, deps.database, deps.publicBaseUrl);
  mountWebhookRoutes(app, deps.database, deps.webhooks ?? { subscriptionsChanged: () => undefined }, {
    secrets: deps.secrets,
    outbound: deps.outbound,
  });
  mountReconciliationRoutes(app, deps.database, (ids) => {
    for (const id of ids) deps.hub.notify(id);
  });
  if (deps.connectors) {
    mountConnectorRoutes(app, { ...deps.connectors, database: deps.database, log: deps.log });
    mountConnectorEndpoints(app, {
      ...deps.connectors,
      database: deps.database,
      log: deps.log,
      commands,
      notifyAgents: (ids) => {
        for (const id of ids) deps.hub.notify(id);
      },
    });
  }
  return app;
}
