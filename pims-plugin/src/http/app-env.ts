import type { Logger } from '../log.js';

/** What middleware puts on a request's context for the handlers behind it. */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    siteId: string;
    agentId: string;
  };
}
