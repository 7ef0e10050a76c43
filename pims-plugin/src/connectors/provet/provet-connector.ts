import type { ConnectorKind } from '../connector-kind.js';
import { ProvetApiClient } from './provet-api-client.js';
import { ProvetDelivery, translateForProvet, type ProvetPayload } from './provet-outbound.js';
import { provetSecrets, provetSettings, type ProvetSecrets, type ProvetSettings } from './provet-settings.js';
import { provetEndpoint, viewerPath } from './provet-webhook.js';

/**
 * Provet Cloud, as its RIS / diagnostic imaging how-to lays out the integration layer: the worklist
 * webhooks in, the entry read over REST, status and images written back.
 */
export const provetConnector: ConnectorKind<typeof provetSettings, typeof provetSecrets> = {
  kind: 'provet',
  settingsSchema: provetSettings,
  secretsSchema: provetSecrets,
  http: provetEndpoint,

  start(ctx) {
    const settings = ctx.settings as ProvetSettings;
    const secrets = ctx.secrets as ProvetSecrets;
    const delivery = new ProvetDelivery(
      new ProvetApiClient(settings, secrets, ctx.services.outbound),
      ctx.services,
    );
    const viewerUrl = (worklistId: string) =>
      ctx.services.absoluteUrl(viewerPath(ctx.connector.id, secrets.webhookToken, worklistId));
    return Promise.resolve({
      translate: (event) =>
        translateForProvet(event, settings, ctx.connector.siteId, ctx.database.db, viewerUrl),
      deliver: (payload) => delivery.deliver(payload as ProvetPayload),
      stop: () => Promise.resolve(),
    });
  },

  async test(ctx) {
    const settings = ctx.settings as ProvetSettings;
    try {
      const api = new ProvetApiClient(settings, ctx.secrets as ProvetSecrets, ctx.services.outbound);
      const res = await api.send('GET', 'diagnosticimaging_worklist/?page_size=1');
      if (res.status === 401 || res.status === 403)
        return { ok: false, detail: `the API token was refused (HTTP ${res.status})` };
      if (res.status >= 400) return { ok: false, detail: `HTTP ${res.status} from ${settings.apiBaseUrl}` };
      return { ok: true, detail: `the REST API of ${settings.apiBaseUrl} answers with this token` };
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
  },
};
