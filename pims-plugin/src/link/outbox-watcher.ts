import { inArray } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { agentLinkState } from '../db/schema.js';
import type { Logger } from '../log.js';
import type { LinkHub } from './link-hub.js';

/** How often the outbox numbers of the agents linked here are read. */
export const OUTBOX_WATCH_MS = 100;

/**
 * Another plugin process on the same database puts messages into the outbox of an agent linked
 * here (an order posted to it); its commit cannot wake this process. So the last outbox number of
 * every agent linked here is read a few times a second, in one small query for all of them, and
 * the links whose number moved are woken. The endpoints' own slower outbox poll stays as the
 * backstop.
 */
export class OutboxWatcher {
  private readonly seen = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly database: Database,
    private readonly hub: LinkHub,
    private readonly log: Logger,
    private readonly everyMs = OUTBOX_WATCH_MS,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    // One read at a time: the next is scheduled when this one is done, never stacked under load.
    this.timer = setTimeout(() => {
      this.check()
        .catch((err: unknown) => {
          this.log.warn('could not read agent outbox numbers', { err: String(err) });
        })
        .finally(() => this.schedule());
    }, this.everyMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const linked = this.hub.linkedAgentIds();
    for (const id of this.seen.keys()) if (!linked.includes(id)) this.seen.delete(id);
    if (linked.length === 0) return;
    const rows = await this.database.db
      .select({ agentId: agentLinkState.agentId, lastOutSeq: agentLinkState.lastOutSeq })
      .from(agentLinkState)
      .where(inArray(agentLinkState.agentId, linked));
    for (const { agentId, lastOutSeq } of rows) {
      const before = this.seen.get(agentId);
      this.seen.set(agentId, lastOutSeq);
      // A first sight wakes too: the row may have landed just after the link's own first read.
      if (before === undefined || lastOutSeq > before) this.hub.notify(agentId);
    }
  }
}
