import { sql } from 'drizzle-orm';
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

const createdAt = () =>
  text('created_at')
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`);

/** The single link to the plugin: both directions' sequence numbers. Always one row, id 1. */
export const linkState = sqliteTable('link_state', {
  id: integer('id').primaryKey(),
  lastOutSeq: integer('last_out_seq').notNull().default(0),
  ackedOutSeq: integer('acked_out_seq').notNull().default(0),
  lastInSeq: integer('last_in_seq').notNull().default(0),
});

/** Agent→plugin messages kept until the plugin acknowledges them; survives restarts and outages. */
export const outbox = sqliteTable('outbox', {
  seq: integer('seq').primaryKey(),
  bodyJson: text('body_json').notNull(),
  createdAt: createdAt(),
});

/** Plugin→agent messages that could not be applied: kept for a person to look at. */
export const deadLetters = sqliteTable('dead_letters', {
  seq: integer('seq').primaryKey(),
  bodyJson: text('body_json').notNull(),
  reason: text('reason').notNull(),
  createdAt: createdAt(),
});

/** Link checks the plugin sent, with how many times each was applied (always 1 when all is well). */
export const probes = sqliteTable(
  'probes',
  {
    probeId: text('probe_id').notNull(),
    n: integer('n').notNull(),
    appliedCount: integer('applied_count').notNull(),
    inSeq: integer('in_seq').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.probeId, t.n] })],
);

/** The complete local copy of this agent's open worklist: modalities keep working when the link is down. */
export const worklistItems = sqliteTable('worklist_items', {
  orderId: text('order_id').primaryKey(),
  revision: integer('revision').notNull(),
  status: text('status').notNull(),
  attributesJson: text('attributes_json').notNull(),
  updatedAt: text('updated_at').notNull(),
});
