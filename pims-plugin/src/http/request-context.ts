import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../log.js';
import type { AppEnv } from './app-env.js';

/** Gives every request an id (the caller's X-Request-Id when sane) and one access log line. */
export function requestContext(log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given && /^[A-Za-z0-9._-]{1,128}$/.test(given) ? given : randomUUID();
    const reqLog = log.child({ requestId });
    c.set('requestId', requestId);
    c.set('log', reqLog);
    const started = performance.now();
    await next();
    c.header('x-request-id', requestId);
    reqLog.info('http', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  };
}
