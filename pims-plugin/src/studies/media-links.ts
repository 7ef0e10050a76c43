import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Tx } from '../db/database.js';
import { mediaPath, signedMediaPath, type MediaFormat, type MediaLinker } from './media-url.js';

/** Where the per-site media key comes from (the embed links, whose key rotation revokes media URLs). */
export interface MediaKeySource {
  mediaKey(siteId: string, opts?: { tx?: Tx; createIfMissing?: boolean }): Promise<Buffer | null>;
}

export interface MediaLinkSettings {
  /** How long a media URL in an API answer or event works. */
  ttlSeconds: number;
  /** Hand out and serve unsigned `/media/{sha256}.{ext}` URLs (opt-in, for PIMSs that store URLs). */
  bareUrls: boolean;
}

/**
 * Expiries are rounded up to this step, so the URLs of one image handed out within it are the same
 * and browsers (and the PIMS) reuse what they cached.
 */
export const EXPIRY_STEP_SECONDS = 900;

const SIGNATURE_CHARS = 32;
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{32}$/;

/**
 * Media URLs as capabilities of one site: each names its site and expiry and is signed with a key
 * derived from the site's link key (rotating that key revokes them). Thumbnails, previews and
 * renditions are shared by content hash on disk, but a URL signed for one site never checks out
 * with another's key, so a link of site B cannot be turned into one for site A's images.
 */
export class MediaLinks {
  constructor(
    private readonly keys: MediaKeySource,
    readonly settings: MediaLinkSettings,
    private readonly publicBaseUrl: string,
  ) {}

  /** The expiry given to URLs made now for `ttlSeconds`, rounded up to the step. */
  static expiryFor(nowMs: number, ttlSeconds: number): number {
    const at = Math.floor(nowMs / 1000) + ttlSeconds;
    return Math.ceil(at / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS;
  }

  /**
   * A linker for one site's media: absolute URLs (`absolute`, the default) or paths (for events,
   * whose readers put them on the public URL). `expires` defaults to now plus the setting's TTL.
   */
  async linker(
    siteId: string,
    opts: { tx?: Tx; expires?: number; absolute?: boolean; nowMs?: number } = {},
  ): Promise<MediaLinker> {
    const prefix = opts.absolute === false ? '' : this.publicBaseUrl;
    if (this.settings.bareUrls) return (sha, format = 'jpg') => `${prefix}${mediaPath(sha, format)}`;
    const key = await this.keys.mediaKey(siteId, opts.tx ? { tx: opts.tx } : {});
    if (!key) throw new Error(`no media key for site ${siteId}`);
    const expires = opts.expires ?? MediaLinks.expiryFor(opts.nowMs ?? Date.now(), this.settings.ttlSeconds);
    return (sha, format = 'jpg') =>
      `${prefix}${signedMediaPath(siteId, expires, sign(key, siteId, expires, sha, format), sha, format)}`;
  }

  /** Whether a signed URL's parts check out with the site's current key and it has not expired. */
  async verify(
    siteId: string,
    expires: number,
    signature: string,
    sha: string,
    format: MediaFormat,
    nowMs = Date.now(),
  ): Promise<boolean> {
    if (!Number.isSafeInteger(expires) || expires * 1000 <= nowMs) return false;
    if (!SIGNATURE_PATTERN.test(signature)) return false;
    const key = await this.keys.mediaKey(siteId, { createIfMissing: false });
    if (!key) return false;
    const expected = Buffer.from(sign(key, siteId, expires, sha, format), 'utf8');
    return timingSafeEqual(expected, Buffer.from(signature, 'utf8'));
  }
}

function sign(key: Buffer, siteId: string, expires: number, sha: string, format: MediaFormat): string {
  return createHmac('sha256', key)
    .update(`${siteId}\n${expires}\n${sha}.${format}`)
    .digest('base64url')
    .slice(0, SIGNATURE_CHARS);
}
