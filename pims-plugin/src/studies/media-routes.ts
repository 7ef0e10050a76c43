import type { Hono } from 'hono';
import type { AppEnv } from '../http/app-env.js';
import { problemResponse } from '../http/problem.js';
import type { MediaStore } from './media-store.js';
import { mediaContentType, type MediaFormat } from './media-url.js';

/**
 * GET /media/{sha256}.{jpg|png}: thumbnails, previews and renditions. The name is the content's hash, so the ETag is
 * strong and the response never changes: browsers and the PIMS may cache it for a year.
 */
export function mountMediaRoutes(app: Hono<AppEnv>, media: MediaStore): void {
  app.get('/media/:file', async (c) => {
    const match = /^([0-9a-f]{64})\.(jpg|png)$/.exec(c.req.param('file'));
    if (!match) {
      return problemResponse(404, 'Not found', 'media are named by their SHA-256 and end in .jpg or .png');
    }
    const sha = match[1]!;
    const format = match[2] as MediaFormat;
    const etag = `"${sha}"`;
    const headers = {
      ETag: etag,
      'Cache-Control': 'public, max-age=31536000, immutable',
    };
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
      const stored = await media.read(sha, format);
      if (stored) return c.body(null, 304, headers);
    }
    const bytes = await media.read(sha, format);
    if (!bytes) return problemResponse(404, 'Not found', 'no such media');
    return c.body(new Uint8Array(bytes), 200, { ...headers, 'Content-Type': mediaContentType[format] });
  });
}
