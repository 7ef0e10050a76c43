import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.js';
import { problemResponse } from './problem.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * A request with a body on a JSON route must say it is JSON: a `text/plain` or form body is 415,
 * not parsed as JSON anyway. (A cross-site form can send `text/plain` without a preflight; parsing
 * it would let a web page post orders with a key a browser happens to hold.)
 */
export function requireJsonBodies(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const length = c.req.header('content-length');
      const hasBody =
        (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
      const type = c.req.header('content-type');
      if (hasBody && !(type && JSON_TYPE.test(type))) {
        return problemResponse(
          415,
          'Unsupported media type',
          `request bodies are JSON: send Content-Type: application/json${type ? `, not ${type}` : ''}`,
        );
      }
    }
    await next();
  };
}
