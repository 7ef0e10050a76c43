import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { and, asc, desc, eq, gt, like } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { events } from '../db/schema.js';
import { EVENTS_TOPIC } from '../events/event-store.js';
import type { AppEnv } from '../http/app-env.js';

/** Another plugin instance's changes are not heard as commits: they are read at least this often. */
const POLL_MS = 2_000;
const KEEPALIVE_MS = 25_000;

/**
 * `GET /app/orders/stream`: server-sent events, one `order` event per order event of the site from
 * the moment the board connected. Woken by this process's commits at once, by a poll otherwise.
 */
export function boardStream(c: Context<AppEnv>, database: Database): Response {
  const siteId = c.get('siteId');
  return streamSSE(c, async (stream) => {
    const [last] = await database.db
      .select({ id: events.id })
      .from(events)
      .where(eq(events.siteId, siteId))
      .orderBy(desc(events.id))
      .limit(1);
    let cursor = last?.id ?? 0;
    let wake: (() => void) | null = null;
    // Counts commits heard, so one heard while the events were being read is not slept through.
    let commits = 0;
    const unsubscribe = database.onCommitted(EVENTS_TOPIC, () => {
      commits += 1;
      wake?.();
    });
    stream.onAbort(() => {
      unsubscribe();
      wake?.();
    });
    let sinceKeepalive = 0;
    while (!stream.aborted) {
      const commitsBefore = commits;
      const rows = await database.db
        .select()
        .from(events)
        .where(and(eq(events.siteId, siteId), gt(events.id, cursor), like(events.type, 'order.%')))
        .orderBy(asc(events.id))
        .limit(500);
      for (const row of rows) {
        cursor = row.id;
        const data = JSON.parse(row.dataJson) as {
          orderId?: string;
          status?: string;
          accessionNumber?: string;
        };
        await stream.writeSSE({
          event: 'order',
          id: String(row.id),
          data: JSON.stringify({
            orderId: data.orderId,
            status: data.status ?? row.type.slice('order.'.length),
            accessionNumber: data.accessionNumber ?? '',
          }),
        });
      }
      if (rows.length === 500 || commits !== commitsBefore) continue;
      const started = Date.now();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      sinceKeepalive += Date.now() - started;
      if (sinceKeepalive >= KEEPALIVE_MS) {
        sinceKeepalive = 0;
        await stream.write(': keepalive\n\n');
      }
    }
    unsubscribe();
  });
}
