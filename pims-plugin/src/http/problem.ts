import type { Context } from 'hono';
import { LightboxError } from '@lightbox/runtime';
import { httpStatusOf } from '../errors.js';
import type { Logger } from '../log.js';

/** RFC 9457 problem details: the only error body the API ever sends. */
export function problemResponse(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Response {
  return new Response(
    JSON.stringify({ type: `https://lightbox.dev/problems/${slug(title)}`, title, status, detail, ...extra }),
    { status, headers: { 'content-type': 'application/problem+json' } },
  );
}

export function errorToProblem(err: unknown, c: Context, log: Logger): Response {
  if (err instanceof LightboxError) {
    const status = httpStatusOf(err);
    if (status >= 500) log.error('request failed', { err: err.message, code: err.code });
    const res = problemResponse(status, titleOf(err.code), err.message, err.details);
    // RFC 9110: a 401 names the scheme that would be accepted.
    if (status === 401) res.headers.set('www-authenticate', 'Bearer realm="lightbox", charset="UTF-8"');
    return res;
  }
  log.error('unexpected error', { err: err instanceof Error ? err.stack : String(err), path: c.req.path });
  return problemResponse(500, 'Internal error', 'the server could not complete the request');
}

function titleOf(code: string): string {
  const t = code.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
