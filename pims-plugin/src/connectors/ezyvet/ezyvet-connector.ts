import type { ConnectorKind } from '../connector-kind.js';
import { EzyvetApiClient } from './ezyvet-api-client.js';
import { deliverToEzyvet, translateForEzyvet, type EzyvetPayload } from './ezyvet-outbound.js';
import { ezyvetPartnerEndpoint } from './ezyvet-partner-endpoints.js';
import { ezyvetSecrets, ezyvetSettings, type EzyvetSecrets, type EzyvetSettings } from './ezyvet-settings.js';

/**
 * ezyVet's Standard PACS Interface: ezyVet calls this plugin's partner endpoints with its imaging
 * requests; the images and the result status go back through ezyVet's API.
 */
export const ezyvetConnector: ConnectorKind<typeof ezyvetSettings, typeof ezyvetSecrets> = {
  kind: 'ezyvet',
  settingsSchema: ezyvetSettings,
  secretsSchema: ezyvetSecrets,
  http: ezyvetPartnerEndpoint,

  start(ctx) {
    const settings = ctx.settings as EzyvetSettings;
    const api = new EzyvetApiClient(settings, ctx.secrets as EzyvetSecrets, ctx.services.outbound);
    return Promise.resolve({
      translate: (event) =>
        translateForEzyvet(
          event,
          settings,
          ctx.connector.siteId,
          ctx.database.db,
          ctx.services,
          ctx.connector.id,
        ),
      deliver: (payload) => deliverToEzyvet(payload as EzyvetPayload, api, ctx.services),
      stop: () => Promise.resolve(),
    });
  },

  async test(ctx) {
    const settings = ctx.settings as EzyvetSettings;
    try {
      await new EzyvetApiClient(
        settings,
        ctx.secrets as EzyvetSecrets,
        ctx.services.outbound,
      ).checkCredentials();
      return { ok: true, detail: `an access token from ${settings.apiBaseUrl}` };
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
  },
};
