import type { Actor } from '../audit/audit-log.js';
import type { Logger } from '../log.js';

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
  };
}
