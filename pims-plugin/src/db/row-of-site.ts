import { and, asc, eq } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db, Tx } from './database.js';

/** A table whose rows belong to one site and are known by an `id`. */
type SiteTable = SQLiteTable & { id: SQLiteColumn; siteId: SQLiteColumn };

/**
 * The row of this site with that id; undefined for another site's row, as for none, so that an id
 * from one site never reaches another's data.
 */
export async function rowOfSite<T extends SiteTable>(
  db: Db | Tx,
  table: T,
  siteId: string,
  id: string,
): Promise<T['$inferSelect'] | undefined> {
  const [row] = await db
    .select()
    .from(table as SiteTable)
    .where(and(eq(table.id, id), eq(table.siteId, siteId)));
  return row;
}

/** `rowOfSite`, answering 404 (`<what> not found`) when there is none. */
export async function requireRowOfSite<T extends SiteTable>(
  db: Db | Tx,
  table: T,
  siteId: string,
  id: string,
  what: string,
): Promise<T['$inferSelect']> {
  const row = await rowOfSite(db, table, siteId, id);
  if (!row) throw new LightboxError('not_found', `${what} not found`);
  return row;
}

/** The site's rows of a table whose rows carry `createdAt`, oldest first. */
export async function rowsOfSite<T extends SiteTable & { createdAt: SQLiteColumn }>(
  db: Db | Tx,
  table: T,
  siteId: string,
): Promise<T['$inferSelect'][]> {
  return db
    .select()
    .from(table as SiteTable)
    .where(eq(table.siteId, siteId))
    .orderBy(asc(table.createdAt), asc(table.id));
}
