import { and, asc, eq, gt } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import type { Db } from '../db/database.js';
import { events } from '../db/schema.js';
import { eventEnvelope, type EventEnvelope } from './event-envelope.js';

export interface EventPage {
  items: EventEnvelope[];
  /** Where to continue: the position after the last item, or `after` itself when nothing is new. */
  next: string;
  hasMore: boolean;
}

/**
 * The site's events oldest first. The position is the event's place in the store's total order
 * (its row id): writes are serialised, so a row with a higher id is never visible before one with a
 * lower id, and a PIMS that follows `next` misses nothing. `after` is a position this feed issued,
 * or, as a convenience, the id of an event the PIMS already holds.
 */
export async function readEventFeed(
  db: Db,
  siteId: string,
  q: { after?: string | undefined; limit: number },
): Promise<EventPage> {
  const after = q.after === undefined ? 0 : await resolvePosition(db, siteId, q.after);
  const rows = await db
    .select()
    .from(events)
    .where(and(eq(events.siteId, siteId), gt(events.id, after)))
    .orderBy(asc(events.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(eventEnvelope),
    next: String(last ? last.id : after),
    hasMore: rows.length > q.limit,
  };
}

async function resolvePosition(db: Db, siteId: string, after: string): Promise<number> {
  if (/^\d{1,15}$/.test(after)) return Number(after);
  if (after.startsWith('evt_')) {
    const [row] = await db
      .select({ id: events.id })
      .from(events)
      .where(and(eq(events.eventId, after), eq(events.siteId, siteId)));
    if (row) return row.id;
  }
  throw new LightboxError('validation_failed', 'the cursor is not one this feed issued', {
    errors: [
      { field: 'after', message: 'expected the `next` of a previous page, or an event id of this site' },
    ],
  });
}
