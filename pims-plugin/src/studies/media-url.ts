/** The formats media are stored and served in: JPEG thumbnails and previews, lossless PNG renditions. */
export type MediaFormat = 'jpg' | 'png';

export const mediaContentType: Record<MediaFormat, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
};

/**
 * The one place that spells a media path. Every URL the API, the events and the pages hand out is
 * built here, so the way media are addressed can change in one file.
 */
export function mediaPath(sha256: string, format: MediaFormat = 'jpg'): string {
  return `/media/${sha256}.${format}`;
}
