import type { events } from '../db/schema.js';

export type EventRow = typeof events.$inferSelect;

/** `{ id, type, occurredAt, data }`: an event as the feed lists it and a webhook delivers it. */
export interface EventEnvelope {
  id: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export function eventEnvelope(row: EventRow): EventEnvelope {
  return {
    id: row.eventId,
    type: row.type,
    occurredAt: row.occurredAt,
    data: JSON.parse(row.dataJson) as Record<string, unknown>,
  };
}
