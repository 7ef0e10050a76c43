import type { MediaStore } from '../studies/media-store.js';
import type { ConnectorServices } from './connector-services.js';

export interface ServiceParts {
  publicBaseUrl: string;
  media: MediaStore;
  timeZone: string;
}

/**
 * The plugin's own parts behind the interfaces connectors use. Signed panel links, the outbound
 * guard and sealed secrets arrive with the security and embed modules; until then a connector
 * that needs a secret cannot be created (`seal` refuses).
 */
export function pluginConnectorServices(parts: ServiceParts): ConnectorServices {
  const base = parts.publicBaseUrl.replace(/\/+$/, '');
  return {
    absoluteUrl: (p) => `${base}${p.startsWith('/') ? '' : '/'}${p}`,
    panelLink: (_siteId, pimsPatientId) =>
      Promise.resolve({
        url: `${base}/embed/patients/${encodeURIComponent(pimsPatientId)}/imaging`,
        expiresAt: new Date(Date.now() + 12 * 3_600_000).toISOString(),
      }),
    readMedia: async (p) => {
      const m = /([0-9a-f]{64})\.(jpg|png)/.exec(p);
      return m ? parts.media.read(m[1]!, m[2] as 'jpg' | 'png') : null;
    },
    outbound: {
      checkUrl: () => Promise.resolve(),
      checkHost: () => Promise.resolve(),
      fetch: (url, init) => fetch(url, init),
    },
    secrets: {
      seal: () => {
        throw new Error('secrets cannot be stored yet: no key to seal them with');
      },
      unseal: () => {
        throw new Error('secrets cannot be opened: no key');
      },
    },
    timeZone: parts.timeZone,
  };
}
