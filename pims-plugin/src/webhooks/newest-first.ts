import { and, desc, lt, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/database.js';

/**
 * One page of a log, newest first: the rows matching `filters` with an id below `before` (the last
 * id of the previous page). One row more than `limit` is read only to tell whether more follow.
 */
export async function newestFirst<T extends SQLiteTable & { id: SQLiteColumn }>(
  db: Db,
  table: T,
  q: { limit: number; before?: number | undefined },
  ...filters: (SQL | undefined)[]
): Promise<{ page: T['$inferSelect'][]; more: boolean }> {
  const rows = await db
    .select()
    .from(table)
    .where(and(...filters, q.before !== undefined ? lt(table.id, q.before) : undefined))
    .orderBy(desc(table.id))
    .limit(q.limit + 1);
  return { page: rows.slice(0, q.limit), more: rows.length > q.limit };
}
