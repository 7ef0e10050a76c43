import type { Role } from './roles.js';

/** Who is signed in on a staff screen, as the pages and the routes behind them need it. */
export interface StaffContext {
  name: string;
  role: Role;
  /** The session's CSRF token, put in every form the page renders. */
  csrfToken: string;
  sessionHash: string;
  /** The staff account, or null for a PIMS user who came by a staff link. */
  accountId: string | null;
  actorId: string;
}
