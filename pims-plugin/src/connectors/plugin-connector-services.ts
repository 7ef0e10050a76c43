import type { EmbedLinks } from '../embed/embed-links.js';
import type { OutboundGuard } from '../security/outbound-guard.js';
import type { SecretBox } from '../security/secret-box.js';
import type { MediaStore } from '../studies/media-store.js';
import type { ConnectorServices } from './connector-services.js';

export interface ServiceParts {
  publicBaseUrl: string;
  media: MediaStore;
  timeZone: string;
  embedLinks: EmbedLinks;
  outbound: OutboundGuard;
  secrets: SecretBox;
}

/** The longest a panel link written into a PIMS record lasts: the embed links' own maximum. */
const PANEL_LINK_TTL_SECONDS = 12 * 60 * 60;

/** The plugin's own parts behind the interfaces connectors use. */
export function pluginConnectorServices(parts: ServiceParts): ConnectorServices {
  const base = parts.publicBaseUrl.replace(/\/+$/, '');
  return {
    absoluteUrl: (p) => `${base}${p.startsWith('/') ? '' : '/'}${p}`,
    panelLink: (siteId, pimsPatientId) =>
      parts.embedLinks.create(siteId, { pimsPatientId, ttlSeconds: PANEL_LINK_TTL_SECONDS }),
    readMedia: async (p) => {
      const m = /([0-9a-f]{64})\.(jpg|png)/.exec(p);
      return m ? parts.media.read(m[1]!, m[2] as 'jpg' | 'png') : null;
    },
    outbound: {
      checkUrl: (url) => parts.outbound.checkUrl(url),
      // An MLLP peer is a host and port, checked as the URL of the same host would be.
      checkHost: (host, port) =>
        parts.outbound.checkUrl(`http://${host.includes(':') ? `[${host}]` : host}:${port}/`),
      fetch: (url, init) => parts.outbound.fetch(url, init),
    },
    secrets: {
      seal: (plaintext) => parts.secrets.seal(plaintext, 'connector'),
      unseal: (sealed) => parts.secrets.unseal(sealed, 'connector'),
    },
    timeZone: parts.timeZone,
  };
}
