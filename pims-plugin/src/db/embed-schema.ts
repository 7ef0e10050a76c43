import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Each site's key for signing chart-panel links, sealed with the secret box. Rotating it replaces
 * the key, which revokes every link signed before.
 */
export const embedSecrets = sqliteTable('embed_secrets', {
  siteId: text('site_id').primaryKey(),
  sealedSecret: text('sealed_secret').notNull(),
  version: integer('version').notNull(),
  rotatedAt: text('rotated_at').notNull(),
});
