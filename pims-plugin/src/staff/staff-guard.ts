import type { Context, MiddlewareHandler } from 'hono';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../http/app-env.js';
import { CSRF_FIELD, csrfTokenMatches } from './csrf.js';
import { can, type Permission } from './roles.js';
import type { SessionCookie } from './session-cookie.js';
import { findSession } from './staff-sessions.js';

export interface GuardAnswers {
  /** A GET without a valid session: the sign-in page, coming back here after. */
  signIn(c: Context<AppEnv>, reason: 'none' | 'unknown' | 'expired'): Response | Promise<Response>;
  /** A refusal: the role may not, or the form lacked its CSRF token. */
  refuse(c: Context<AppEnv>, status: 401 | 403, message: string): Response | Promise<Response>;
}

/**
 * The session guard of the staff screens: a valid session cookie, then, on every state-changing
 * request, the session's CSRF token (form field `_csrf` or header `X-CSRF-Token`). Every refusal is
 * logged with its reason code.
 */
export function staffSession(
  database: Database,
  cookie: SessionCookie,
  answers: GuardAnswers,
  /** Paths that need no session: the sign-in form, staff links. */
  open: readonly string[] = [],
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (open.includes(c.req.path)) return next();
    const log = c.get('log');
    const value = cookie.read(c);
    const lookup = value ? await findSession(database.db, value) : ({ kind: 'none' } as const);
    if (lookup.kind !== 'valid') {
      const reason = lookup.kind === 'none' ? 'none' : lookup.kind;
      if (reason !== 'none') {
        log.info('staff session refused', { code: `staff_session_${reason}`, path: c.req.path });
        cookie.clear(c);
      }
      if (c.req.method === 'GET' || c.req.method === 'HEAD') return answers.signIn(c, reason);
      return answers.refuse(c, 401, 'Your session has ended. Sign in again; nothing was changed.');
    }
    const s = lookup.session;
    c.set('siteId', s.siteId);
    c.set('actor', { type: s.actorType, id: s.actorId, name: s.actorName });
    c.set('staff', {
      name: s.actorName,
      role: s.role,
      csrfToken: s.csrfToken,
      sessionHash: s.idHash,
      accountId: s.accountId,
      actorId: s.actorId,
    });
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const given = c.req.header('x-csrf-token') ?? (await formField(c, CSRF_FIELD));
      if (!csrfTokenMatches(s.csrfToken, given)) {
        log.warn('staff form refused', {
          code: given === undefined ? 'csrf_missing' : 'csrf_mismatch',
          path: c.req.path,
          actorId: s.actorId,
        });
        return answers.refuse(
          c,
          403,
          'The form could not be verified. Reload the page and try again; nothing was changed.',
        );
      }
    }
    await next();
  };
}

/** The role of the signed-in person may do `permission`, or the request gets a 403. */
export function requirePermission(permission: Permission, answers: GuardAnswers): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const staff = c.get('staff');
    if (!can(staff.role, permission)) {
      c.get('log').warn('staff action refused', {
        code: 'role_forbidden',
        permission,
        role: staff.role,
        actorId: staff.actorId,
        path: c.req.path,
      });
      return answers.refuse(c, 403, `Your role (${staff.role}) may not do this.`);
    }
    await next();
  };
}

async function formField(c: Context, name: string): Promise<string | undefined> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) {
    return undefined;
  }
  // parseBody caches: the handler reads the same parsed body after this.
  const body = await c.req.parseBody();
  const v = body[name];
  return typeof v === 'string' ? v : undefined;
}
