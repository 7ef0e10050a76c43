import { primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Instances whose spool file the retention policy removed: delivered to the plugin (acknowledged),
 * forwarded when a PACS is configured, and older than the retention period. The row of the stored
 * instance stays, so a resend of the same bytes is still recognised as a duplicate.
 */
export const spoolPurges = sqliteTable(
  'spool_purges',
  {
    sopInstanceUid: text('sop_instance_uid').notNull(),
    sha256: text('sha256').notNull(),
    relativePath: text('relative_path').notNull(),
    purgedAt: text('purged_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sopInstanceUid, t.sha256] })],
);
