import { and, asc, eq, gt, min, sql } from 'drizzle-orm';
import type { Database, Db } from '../db/database.js';
import { connectorOutbox, connectors, events } from '../db/schema.js';
import type { EventRow } from '../events/event-envelope.js';
import type { OutboundMessage } from './connector-kind.js';
import type { TrafficEntry, TrafficLog } from './connector-traffic.js';

export type OutboxRow = typeof connectorOutbox.$inferSelect;

/** The site's events after the connector's cursor, oldest first. */
export function eventsAfter(db: Db, siteId: string, cursor: number, limit: number): Promise<EventRow[]> {
  return db
    .select()
    .from(events)
    .where(and(eq(events.siteId, siteId), gt(events.id, cursor)))
    .orderBy(asc(events.id))
    .limit(limit);
}

/**
 * Queues the messages built from events up to `upTo` and moves the cursor there, in one
 * transaction: each event is turned into messages exactly once. False when the cursor moved or the
 * lease was lost meanwhile (another instance took over); nothing is written then.
 */
export async function queueMessages(
  database: Database,
  lease: { connectorId: string; owner: string; expectedCursor: number },
  upTo: number,
  messages: (OutboundMessage & { eventId: string })[],
): Promise<boolean> {
  return database.write(async (tx) => {
    const moved = await tx
      .update(connectors)
      .set({ cursor: upTo })
      .where(
        and(
          eq(connectors.id, lease.connectorId),
          eq(connectors.cursor, lease.expectedCursor),
          eq(connectors.leaseOwner, lease.owner),
        ),
      )
      .returning({ id: connectors.id });
    if (moved.length === 0) return false;
    for (let i = 0; i < messages.length; i += 100) {
      await tx.insert(connectorOutbox).values(
        messages.slice(i, i + 100).map((m) => ({
          connectorId: lease.connectorId,
          orderKey: m.orderKey,
          eventId: m.eventId,
          label: m.label,
          payloadJson: JSON.stringify(m.payload),
        })),
      );
    }
    return true;
  });
}

/**
 * The oldest pending message that may go now: due, and the first pending one of its order, so an
 * order's messages never overtake each other while other orders' messages are not held up by it.
 */
export async function nextDeliverable(
  db: Db,
  connectorId: string,
  now: number,
): Promise<OutboxRow | undefined> {
  const [row] = await db
    .select()
    .from(connectorOutbox)
    .where(
      and(
        eq(connectorOutbox.connectorId, connectorId),
        eq(connectorOutbox.status, 'pending'),
        sql`(${connectorOutbox.nextAttemptAt} IS NULL OR ${connectorOutbox.nextAttemptAt} <= ${now})`,
        sql`NOT EXISTS (SELECT 1 FROM ${connectorOutbox} AS earlier WHERE earlier.connector_id = ${connectorOutbox.connectorId}
          AND earlier.order_key = ${connectorOutbox.orderKey} AND earlier.status = 'pending'
          AND earlier.id < ${connectorOutbox.id})`,
      ),
    )
    .orderBy(asc(connectorOutbox.id))
    .limit(1);
  return row;
}

/** When the earliest waiting message falls due; null when nothing is pending. */
export async function nextDueAt(db: Db, connectorId: string): Promise<number | null> {
  const [row] = await db
    .select({ at: min(sql<number>`coalesce(${connectorOutbox.nextAttemptAt}, 0)`) })
    .from(connectorOutbox)
    .where(and(eq(connectorOutbox.connectorId, connectorId), eq(connectorOutbox.status, 'pending')));
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

export async function pendingCount(db: Db, connectorId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(connectorOutbox)
    .where(and(eq(connectorOutbox.connectorId, connectorId), eq(connectorOutbox.status, 'pending')));
  return row?.n ?? 0;
}

/** Records one attempt at a message and what follows from it, with its traffic entry, in one transaction. */
export async function recordOutcome(
  database: Database,
  traffic: TrafficLog,
  row: OutboxRow,
  outcome:
    | { status: 'delivered'; detail: string | null }
    | { status: 'rejected'; error: string }
    | { status: 'pending'; error: string; nextAttemptAt: number },
  excerpt: string | null,
): Promise<void> {
  const entry: TrafficEntry = {
    direction: 'out',
    label: row.label,
    outcome: outcome.status === 'delivered' ? 'ok' : outcome.status === 'rejected' ? 'rejected' : 'failed',
    detail: outcome.status === 'delivered' ? outcome.detail : outcome.error,
    excerpt,
  };
  await database.write(async (tx) => {
    await tx
      .update(connectorOutbox)
      .set({
        status: outcome.status,
        attempts: row.attempts + 1,
        nextAttemptAt: outcome.status === 'pending' ? outcome.nextAttemptAt : null,
        lastError: outcome.status === 'delivered' ? null : outcome.error,
        doneAt: outcome.status === 'pending' ? null : new Date().toISOString(),
      })
      .where(eq(connectorOutbox.id, row.id));
    await traffic.recordWithin(tx, [entry]);
  });
}
