import type { Database } from '../db/database.js';
import type { LinkHub } from '../link/link-hub.js';
import type { OrderCommands } from '../orders/order-commands.js';
import type { PageAssets } from '../pages/page-assets.js';
import type { SessionCookie } from '../staff/session-cookie.js';
import type { MediaLinks } from '../studies/media-links.js';

/** What the staff screens are built from. */
export interface AppScreenDeps {
  database: Database;
  pageAssets: PageAssets;
  cookie: SessionCookie;
  commands: OrderCommands;
  hub: LinkHub;
  publicBaseUrl: string;
  /** Signs the thumbnails the screens show, as the chart panel's are. */
  mediaLinks: MediaLinks;
  /** The site's days and times on the board. */
  timeZone: string;
  notifyAgents: (agentIds: string[]) => void;
  /** Tells the webhook worker a subscription was resumed. */
  webhooksChanged: () => void;
}
