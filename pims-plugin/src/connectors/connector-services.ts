import type { OutboundGuard } from '../security/outbound-guard.js';

/**
 * What connectors need from the rest of the plugin besides orders and events, each behind one
 * small interface so that the plugin decides how: absolute links on the configured public URL,
 * signed chart-panel links, media bytes, the outbound guard, and the sealing of secrets.
 */
export interface ConnectorServices {
  /** An absolute URL for a path this plugin serves (a media path, say), on its public base URL. */
  absoluteUrl(path: string): string;
  /** A signed, expiring link to a patient's imaging panel, for the PIMS to show or attach. */
  panelLink(siteId: string, pimsPatientId: string): Promise<{ url: string; expiresAt: string }>;
  /** The bytes behind a media path from an event or the study API; null when gone. */
  readMedia(path: string): Promise<Buffer | null>;
  /** Every request to a PIMS goes through here: the destination is checked when it is connected to. */
  outbound: OutboundAccess;
  secrets: SecretSealer;
  /** The practice's time zone: PIMS that send local times mean this one. */
  timeZone: string;
}

export interface OutboundAccess {
  /** Throws a LightboxError naming why a destination may not be reached. */
  checkUrl(url: string): Promise<void>;
  /** The same check for a plain TCP destination (an MLLP peer). */
  checkHost(host: string, port: number): Promise<void>;
  fetch: OutboundGuard['fetch'];
}

/** Encrypts secrets at rest; `unseal(seal(x)) === x`. */
export interface SecretSealer {
  seal(plaintext: string): string;
  unseal(sealed: string): string;
}
