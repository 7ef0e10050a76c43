import { and, eq, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { storedInstances } from './schema.js';

/**
 * The join condition from a stored instance to a table about one version of it (its delivery, its
 * forward, its purge): an instance received twice with different bytes is two versions, each with
 * its own rows, so the SOP Instance UID alone would join the wrong one.
 */
export function sameInstanceVersion(table: { sopInstanceUid: SQLiteColumn; sha256: SQLiteColumn }): SQL {
  return and(
    eq(table.sopInstanceUid, storedInstances.sopInstanceUid),
    eq(table.sha256, storedInstances.sha256),
  )!;
}
