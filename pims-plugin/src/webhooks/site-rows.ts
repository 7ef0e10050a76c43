import { and, asc, eq } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/database.js';

/** A table of things a site's API key manages, each with an id of its own. */
export type SiteTable = SQLiteTable & { id: SQLiteColumn; siteId: SQLiteColumn; createdAt: SQLiteColumn };

/** Row `id` of the site's, or undefined: another site's row is as good as missing. */
export async function siteRow<T extends SiteTable>(
  db: Db,
  table: T,
  siteId: string,
  id: string,
): Promise<T['$inferSelect'] | undefined> {
  const [row] = await db
    .select()
    .from(table)
    .where(and(eq(table.id, id), eq(table.siteId, siteId)));
  return row;
}

/** The site's rows, oldest first. */
export async function siteRows<T extends SiteTable>(
  db: Db,
  table: T,
  siteId: string,
): Promise<T['$inferSelect'][]> {
  return db.select().from(table).where(eq(table.siteId, siteId)).orderBy(asc(table.createdAt), asc(table.id));
}
