import type { Context, Hono } from 'hono';
import type { AppEnv } from '../http/app-env.js';
import { problemResponse } from '../http/problem.js';
import type { MediaLinks } from './media-links.js';
import type { MediaStore } from './media-store.js';
import { mediaContentType, type MediaFormat } from './media-url.js';

const FILE = /^([0-9a-f]{64})\.(jpg|png)$/;
const SITE = /^[A-Za-z0-9._-]{1,64}$/;
const EXPIRES = /^\d{1,12}$/;

/** The longest a browser keeps a medium: a year, as for any content-addressed file. */
const MAX_AGE_SECONDS = 31_536_000;

/**
 * Thumbnails, previews and renditions. `GET /media/{site}/{expires}/{signature}/{sha256}.{ext}` is
 * the signed URL of one site (see media-links.ts); `GET /media/{sha256}.{ext}` only when bare URLs
 * are switched on. The name is the content's hash, so the ETag is strong and the bytes never
 * change: browsers may keep them until the URL expires (bare URLs: a year).
 */
export function mountMediaRoutes(app: Hono<AppEnv>, media: MediaStore, links: MediaLinks): void {
  app.get('/media/:site/:expires/:signature/:file', async (c) => {
    const file = FILE.exec(c.req.param('file'));
    const site = c.req.param('site');
    const expiresText = c.req.param('expires');
    if (!file || !SITE.test(site) || !EXPIRES.test(expiresText)) return refused();
    const expires = Number(expiresText);
    const [, sha, format] = file as unknown as [string, string, MediaFormat];
    if (!(await links.verify(site, expires, c.req.param('signature'), sha, format))) return refused();
    const maxAge = Math.min(MAX_AGE_SECONDS, Math.max(0, expires - Math.floor(Date.now() / 1000)));
    // Private: patient images stay out of shared caches; the browser keeps them until expiry.
    return serve(c, media, sha, format, `private, max-age=${maxAge}, immutable`);
  });

  app.get('/media/:file', async (c) => {
    if (!links.settings.bareUrls) {
      return problemResponse(
        403,
        'Forbidden',
        'media are served by signed URLs from the API; bare URLs are off (LIGHTBOX_MEDIA_BARE_URLS)',
      );
    }
    const file = FILE.exec(c.req.param('file'));
    if (!file) {
      return problemResponse(404, 'Not found', 'media are named by their SHA-256 and end in .jpg or .png');
    }
    const [, sha, format] = file as unknown as [string, string, MediaFormat];
    return serve(c, media, sha, format, `public, max-age=${MAX_AGE_SECONDS}, immutable`);
  });
}

/** One answer for every URL that does not check out: nothing says which part was wrong. */
function refused(): Response {
  return problemResponse(403, 'Forbidden', 'this media URL is not valid or has expired');
}

async function serve(
  c: Context<AppEnv>,
  media: MediaStore,
  sha: string,
  format: MediaFormat,
  cacheControl: string,
): Promise<Response> {
  const etag = `"${sha}"`;
  const headers = { ETag: etag, 'Cache-Control': cacheControl, 'X-Content-Type-Options': 'nosniff' };
  const ifNoneMatch = c.req.header('if-none-match');
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
    if (await media.has(sha, format)) return c.body(null, 304, headers);
  }
  const bytes = await media.read(sha, format);
  if (!bytes) return problemResponse(404, 'Not found', 'no such media');
  return c.body(new Uint8Array(bytes), 200, { ...headers, 'Content-Type': mediaContentType[format] });
}
