/** The formats media are stored and served in: JPEG thumbnails and previews, lossless PNG renditions. */
export type MediaFormat = 'jpg' | 'png';

export const mediaContentType: Record<MediaFormat, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
};

/** Turns a stored medium (its hash and format) into the path or URL handed out for it. */
export type MediaLinker = (sha256: string, format?: MediaFormat) => string;

/**
 * The bare path of a medium: served only when `LIGHTBOX_MEDIA_BARE_URLS` is on, for PIMSs that
 * store URLs rather than fetching fresh ones.
 */
export function mediaPath(sha256: string, format: MediaFormat = 'jpg'): string {
  return `/media/${sha256}.${format}`;
}

/**
 * A signed path: names the site and the expiry (epoch seconds); the signature covers both and
 * the file, so no part can be changed, and another site's key never checks out.
 */
export function signedMediaPath(
  siteId: string,
  expires: number,
  signature: string,
  sha256: string,
  format: MediaFormat,
): string {
  return `/media/${encodeURIComponent(siteId)}/${expires}/${signature}/${sha256}.${format}`;
}
