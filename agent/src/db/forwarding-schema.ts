import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Stored instances the forwarder is done with: the PACS answered success (or a warning), or the
 * instance kept failing past the configured age and was given up on, with the last error kept for
 * a person. A stored instance without a row here is still to forward, whatever restarts came.
 */
export const instanceForwards = sqliteTable(
  'instance_forwards',
  {
    sopInstanceUid: text('sop_instance_uid').notNull(),
    sha256: text('sha256').notNull(),
    /** `forwarded` or `gave_up`. */
    outcome: text('outcome', { enum: ['forwarded', 'gave_up'] }).notNull(),
    /** The PACS's DIMSE status as 4 hex digits; null when it never answered. */
    status: text('status'),
    /** Warning or failure text: the Error Comment, or why the association failed. */
    detail: text('detail'),
    pacs: text('pacs').notNull(),
    /** Attempts in this process's life that included the instance (restarts count afresh). */
    attempts: integer('attempts').notNull(),
    at: text('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sopInstanceUid, t.sha256] })],
);
