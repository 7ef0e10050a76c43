import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../http/app-env.js';
import { staffSession, type GuardAnswers } from '../staff/staff-guard.js';
import type { AppScreenDeps } from './app-screen-deps.js';
import { messagePage } from './message-page.js';
import { mountSignInRoutes, mountSignOutRoutes } from './sign-in-routes.js';
import { mountReconcileScreen } from './reconcile-routes.js';
import { mountOrderScreens } from './orders-routes.js';
import { mountAdminScreens } from './admin-routes.js';

/** Forms on these screens are small; anything bigger is refused before it is parsed. */
const MAX_FORM_BYTES = 64 * 1024;

/** The staff screens under /app: sign-in first, then every screen behind the session guard. */
export function mountAppScreens(app: Hono<AppEnv>, deps: AppScreenDeps): void {
  const answers: GuardAnswers = {
    signIn: (c) => c.redirect(`/app/sign-in?next=${encodeURIComponent(c.req.path)}`, 303),
    refuse: (_c, status, message) =>
      messagePage(deps.pageAssets, status, status === 401 ? 'Signed out' : 'Not allowed', message),
  };
  app.use(
    '/app/*',
    bodyLimit({
      maxSize: MAX_FORM_BYTES,
      onError: () =>
        messagePage(
          deps.pageAssets,
          413,
          'Too much text',
          'The form was larger than 64 KiB; nothing was changed.',
        ),
    }),
  );
  mountSignInRoutes(app, deps);
  app.get('/app', (c) => c.redirect('/app/orders', 303));
  app.use('/app/*', staffSession(deps.database, deps.cookie, answers, ['/app/sign-in', '/app/staff-link']));
  mountSignOutRoutes(app, deps);
  mountReconcileScreen(app, deps, answers);
  mountOrderScreens(app, deps, answers);
  mountAdminScreens(app, deps, answers);
}
