import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Who did what to which record, and when: links and unlinks, manual completions, cancels, embed
 * panels opened, credentials created and revoked. Append-only; the staff screens and
 * `GET /v1/audit` read it newest first.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    siteId: text('site_id').notNull(),
    at: text('at').notNull(),
    actorType: text('actor_type', {
      enum: ['api_key', 'staff', 'pims_user', 'agent', 'connector', 'system'],
    }).notNull(),
    actorId: text('actor_id'),
    actorName: text('actor_name'),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id'),
    detailJson: text('detail_json'),
  },
  (t) => [
    index('audit_log_site').on(t.siteId, t.id),
    index('audit_log_subject').on(t.subjectType, t.subjectId),
  ],
);
