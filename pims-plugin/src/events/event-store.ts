import { randomUUID } from 'node:crypto';
import { markChanged, type Tx } from '../db/database.js';
import { events } from '../db/schema.js';

/** The `Database.onCommitted` topic of transactions that appended events. */
export const EVENTS_TOPIC = 'events';

export type EventType =
  | 'order.scheduled'
  | 'order.in_progress'
  | 'order.completed'
  | 'order.discontinued'
  | 'order.cancelled'
  | 'study.received'
  | 'attachment.ready'
  | 'study.unmatched'
  | 'agent.disk_low'
  | 'agent.disk_ok';

/**
 * Appends an event inside the caller's transaction, so an event exists exactly when the change it
 * reports was committed. The feed and the webhook worker read the table as it is.
 */
export async function appendEvent(
  tx: Tx,
  siteId: string,
  type: EventType,
  data: Record<string, unknown>,
): Promise<string> {
  const eventId = `evt_${randomUUID()}`;
  await tx
    .insert(events)
    .values({ eventId, siteId, type, occurredAt: new Date().toISOString(), dataJson: JSON.stringify(data) });
  // Wakes the webhook worker once this transaction commits, so a delivery starts within milliseconds.
  markChanged(tx, EVENTS_TOPIC);
  return eventId;
}

/** `appendEvent` for several events in one statement, in the order given (a batch of new orders). */
export async function appendEvents(
  tx: Tx,
  siteId: string,
  list: { type: EventType; data: Record<string, unknown> }[],
): Promise<void> {
  if (list.length === 0) return;
  const occurredAt = new Date().toISOString();
  const rows = list.map((e) => ({
    eventId: `evt_${randomUUID()}`,
    siteId,
    type: e.type,
    occurredAt,
    dataJson: JSON.stringify(e.data),
  }));
  // Ids (the feed's order) follow the rows' order; 100 rows × 5 columns stay inside SQLite's limit.
  for (let i = 0; i < rows.length; i += 100) await tx.insert(events).values(rows.slice(i, i + 100));
  markChanged(tx, EVENTS_TOPIC);
}
