import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.js';

/**
 * On every answer: `X-Content-Type-Options: nosniff`, so nothing is run as a type it was not sent
 * as; on every HTML answer also a `frame-ancestors` policy, `'none'` unless the page set its own
 * (the chart panel lists the PIMS origins that may frame it), so no page can be framed by a site
 * it does not know (clickjacking).
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    try {
      c.res.headers.set('X-Content-Type-Options', 'nosniff');
    } catch {
      // Headers of a response made elsewhere can be immutable: copy it to set them.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set('X-Content-Type-Options', 'nosniff');
    }
    if (!/^text\/html/i.test(c.res.headers.get('content-type') ?? '')) return;
    const csp = c.res.headers.get('content-security-policy');
    if (!csp) c.res.headers.set('Content-Security-Policy', "frame-ancestors 'none'");
    else if (!/(^|;)\s*frame-ancestors\s/i.test(csp))
      c.res.headers.set('Content-Security-Policy', `${csp}; frame-ancestors 'none'`);
  };
}
