import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Stored instances already handed to the link: rendered, and their `instance.stored` message in
 * the outbox. Written in the same transaction as that message, so each instance is sent exactly
 * once however often the agent restarts; a stored instance without a row here is still to do.
 */
export const instanceDeliveries = sqliteTable(
  'instance_deliveries',
  {
    sopInstanceUid: text('sop_instance_uid').notNull(),
    sha256: text('sha256').notNull(),
    outSeq: integer('out_seq').notNull(),
    placeholderReason: text('placeholder_reason'),
    renderMs: integer('render_ms'),
    deliveredAt: text('delivered_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sopInstanceUid, t.sha256] })],
);
