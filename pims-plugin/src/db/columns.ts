import { sql } from 'drizzle-orm';
import { text } from 'drizzle-orm/sqlite-core';

/**
 * When the row was written: UTC with milliseconds, set by the database itself. Declared once so
 * every table's timestamp means the same; each call builds exactly the column the migrations hold.
 */
export const writtenAt = (name: string) =>
  text(name)
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`);

export const createdAt = () => writtenAt('created_at');
