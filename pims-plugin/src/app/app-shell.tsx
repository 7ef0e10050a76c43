import type { Child } from 'hono/jsx';
import type { PageAssets } from '../pages/page-assets.js';
import { PageShell } from '../pages/page-shell.js';
import { CSRF_FIELD } from '../staff/csrf.js';
import { can, type Permission } from '../staff/roles.js';
import type { StaffContext } from '../staff/staff-context.js';

const SCREENS: { path: string; label: string; permission: Permission }[] = [
  { path: '/app/orders', label: 'Imaging board', permission: 'orders.view' },
  { path: '/app/reconcile', label: 'Reconcile', permission: 'reconcile.view' },
  { path: '/app/agents', label: 'Agents', permission: 'agents.view' },
  { path: '/app/webhooks', label: 'Deliveries', permission: 'webhooks.view' },
  { path: '/app/audit', label: 'Audit', permission: 'audit.view' },
];

export interface AppShellProps {
  assets: PageAssets;
  staff: StaffContext;
  title: string;
  /** The nav entry to mark as current. */
  current: string;
  scripts?: string[];
  children?: Child;
}

/** Every staff screen: the navigation a role may use, who is signed in, and sign-out. */
export function AppShell(props: AppShellProps) {
  return (
    <PageShell
      assets={props.assets}
      title={`${props.title} · Lightbox`}
      styles={['app.css']}
      scripts={['page.js', ...(props.scripts ?? [])]}
      bodyClass="app"
    >
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="app-header">
        <span class="app-name">Lightbox</span>
        <nav aria-label="Screens">
          <ul>
            {SCREENS.filter((s) => can(props.staff.role, s.permission)).map((s) => (
              <li>
                <a href={s.path} aria-current={s.path === props.current ? 'page' : undefined}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {props.staff.name} <span class="muted">({props.staff.role})</span>
          </span>
          <form method="post" action="/app/sign-out">
            <CsrfField staff={props.staff} />
            <button class="secondary" type="submit">
              Sign out
            </button>
          </form>
          <form method="post" action="/app/sign-out-everywhere">
            <CsrfField staff={props.staff} />
            <button class="secondary" type="submit">
              Sign out everywhere
            </button>
          </form>
        </div>
      </header>
      <main id="main">{props.children}</main>
    </PageShell>
  );
}

/** The hidden CSRF field of a state-changing form. */
export function CsrfField(props: { staff: StaffContext }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.staff.csrfToken} />;
}
