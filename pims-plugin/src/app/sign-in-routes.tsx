import { randomBytes } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { recordAudit } from '../audit/audit-log.js';
import type { AppEnv } from '../http/app-env.js';
import { htmlResponse } from '../pages/html-response.js';
import { PageShell } from '../pages/page-shell.js';
import { CSRF_FIELD, csrfTokenMatches } from '../staff/csrf.js';
import { signIn } from '../staff/sign-in.js';
import { useStaffLink } from '../staff/staff-links.js';
import { endSession, endSessionsOfAccount, endSessionsOfActor } from '../staff/staff-sessions.js';
import type { AppScreenDeps } from './app-screen-deps.js';
import { messagePage } from './message-page.js';
import { safeNext } from './safe-next.js';

/** A sign-in form's own CSRF token, before there is a session: the cookie and the field must agree. */
const SIGN_IN_COOKIE = 'lightbox_sign_in';

/** Sign-in, sign-out (here and everywhere) and staff links: the routes that need no session. */
export function mountSignInRoutes(app: Hono<AppEnv>, deps: AppScreenDeps): void {
  app.get('/app/sign-in', (c) => signInPage(c, deps, 200, null));

  app.post('/app/sign-in', async (c) => {
    const form = await c.req.parseBody();
    const log = c.get('log');
    if (!csrfTokenMatches(getCookie(c, SIGN_IN_COOKIE) ?? '', form[CSRF_FIELD])) {
      log.warn('sign-in form refused', {
        code: form[CSRF_FIELD] === undefined ? 'csrf_missing' : 'csrf_mismatch',
      });
      return signInPage(c, deps, 403, 'The form could not be verified. Try again.');
    }
    const username = typeof form.username === 'string' ? form.username : '';
    const password = typeof form.password === 'string' ? form.password : '';
    const result = await signIn(deps.database, username, password);
    if (!result.ok) {
      log.warn('sign-in refused', { code: `sign_in_${result.reason}` });
      return signInPage(
        c,
        deps,
        401,
        'The username or password is not right, or sign-in is paused for this account after repeated failures (15 minutes).',
      );
    }
    log.info('signed in', { code: 'signed_in', accountId: result.accountId });
    deps.cookie.write(c, result.cookieValue, result.expiresAt);
    return c.redirect(safeNext(form.next), 303);
  });

  app.get('/app/staff-link', async (c) => {
    const result = await useStaffLink(deps.database, c.req.query('token') ?? '');
    if (!result.ok) {
      c.get('log').warn('staff link refused', { code: `staff_link_${result.reason}` });
      return messagePage(
        deps.pageAssets,
        403,
        'This link is not valid',
        'Staff links work once and for a minute or so. Open the screen again from the PIMS.',
        { href: '/app/sign-in', label: 'Sign in instead' },
      );
    }
    deps.cookie.write(c, result.cookieValue, result.expiresAt);
    return c.redirect(safeNext(result.next), 303);
  });
}

/** Sign-out needs the session (for its CSRF token), so these are mounted behind the guard. */
export function mountSignOutRoutes(app: Hono<AppEnv>, deps: AppScreenDeps): void {
  app.post('/app/sign-out', async (c) => {
    const staff = c.get('staff');
    await deps.database.write(async (tx) => {
      await endSession(tx, staff.sessionHash);
      await recordAudit(tx, {
        siteId: c.get('siteId'),
        actor: c.get('actor'),
        action: 'staff.signed_out',
        subject: { type: c.get('actor').type, id: staff.actorId },
      });
    });
    deps.cookie.clear(c);
    return messagePage(deps.pageAssets, 200, 'Signed out', 'You are signed out on this browser.', {
      href: '/app/sign-in',
      label: 'Sign in again',
    });
  });

  app.post('/app/sign-out-everywhere', async (c) => {
    const staff = c.get('staff');
    const ended = await deps.database.write(async (tx) => {
      const n = staff.accountId
        ? await endSessionsOfAccount(tx, staff.accountId)
        : await endSessionsOfActor(tx, c.get('siteId'), staff.actorId);
      await recordAudit(tx, {
        siteId: c.get('siteId'),
        actor: c.get('actor'),
        action: 'staff.signed_out_everywhere',
        subject: { type: c.get('actor').type, id: staff.actorId },
        detail: { sessions: n },
      });
      return n;
    });
    deps.cookie.clear(c);
    return messagePage(
      deps.pageAssets,
      200,
      'Signed out everywhere',
      `${ended} ${ended === 1 ? 'session was' : 'sessions were'} ended, on this and every other browser.`,
      { href: '/app/sign-in', label: 'Sign in again' },
    );
  });
}

function signInPage(c: Context<AppEnv>, deps: AppScreenDeps, status: number, error: string | null) {
  const token = randomBytes(32).toString('base64url');
  setCookie(c, SIGN_IN_COOKIE, token, {
    path: '/app/sign-in',
    httpOnly: true,
    secure: deps.cookie.secure,
    sameSite: 'Strict',
    maxAge: 3600,
  });
  const next = safeNext(c.req.query('next'));
  return htmlResponse(
    <PageShell
      assets={deps.pageAssets}
      title="Sign in · Lightbox"
      styles={['app.css']}
      bodyClass="page-message"
    >
      <main class="message sign-in">
        <h1>Sign in to Lightbox</h1>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <form method="post" action="/app/sign-in">
          <input type="hidden" name={CSRF_FIELD} value={token} />
          <input type="hidden" name="next" value={next} />
          <p>
            <label for="username">Username</label>
            <input id="username" name="username" autocomplete="username" required maxlength={64} autofocus />
          </p>
          <p>
            <label for="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
              maxlength={256}
            />
          </p>
          <button type="submit">Sign in</button>
        </form>
      </main>
    </PageShell>,
    { status, headers: Object.fromEntries(c.res.headers.entries()) },
  );
}
