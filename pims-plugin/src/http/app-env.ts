import type { Actor } from '../audit/audit-log.js';
import type { Logger } from '../log.js';
import type { StaffContext } from '../staff/staff-context.js';

/** What middleware puts on a request's context for the handlers behind it. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    siteId: string;
    agentId: string;
    /** The token the agent authenticated with: its link closes once that token stops being valid. */
    agentToken: string;
    /** Who is acting, for the audit log: set by whichever guard authenticated the request. */
    actor: Actor;
    /** The signed-in person on the staff screens (`/app`), set by the session guard. */
    staff: StaffContext;
  };
}
