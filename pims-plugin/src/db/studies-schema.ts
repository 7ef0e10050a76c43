import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt } from './columns.js';

/**
 * Studies as the agents delivered them, matched to an order or waiting in the unmatched list.
 * `readyInstanceCount` is how many instances the last `attachment.ready` covered: when more arrive,
 * the study becomes ready again once it is quiet.
 */
export const studies = sqliteTable(
  'studies',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    studyInstanceUid: text('study_instance_uid').notNull(),
    orderId: text('order_id'),
    status: text('status', { enum: ['matched', 'unmatched'] }).notNull(),
    /** How the order was found: study_instance_uid, accession_number, step_id, patient, manual. */
    matchedBy: text('matched_by'),
    patientId: text('patient_id'),
    patientName: text('patient_name'),
    species: text('species'),
    accessionNumber: text('accession_number'),
    modality: text('modality'),
    description: text('description'),
    performedAt: text('performed_at'),
    agentId: text('agent_id').notNull(),
    instanceCount: integer('instance_count').notNull().default(0),
    readyInstanceCount: integer('ready_instance_count').notNull().default(0),
    /** Epoch milliseconds of the last instance: "stable" means nothing new for the quiet period. */
    lastReceivedAtMs: integer('last_received_at_ms').notNull(),
    firstReceivedAt: text('first_received_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('studies_site_uid').on(t.siteId, t.studyInstanceUid),
    index('studies_order').on(t.orderId),
    index('studies_site_status').on(t.siteId, t.status),
  ],
);

export const studySeries = sqliteTable(
  'study_series',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    studyId: text('study_id').notNull(),
    seriesInstanceUid: text('series_instance_uid').notNull(),
    modality: text('modality'),
    bodyPart: text('body_part'),
    description: text('description'),
    seriesNumber: integer('series_number'),
  },
  (t) => [uniqueIndex('study_series_uid').on(t.studyId, t.seriesInstanceUid)],
);

/** Every instance; the same UID with other bytes is a second row, flagged as a conflict. */
export const studyInstances = sqliteTable(
  'study_instances',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    studyId: text('study_id').notNull(),
    seriesId: integer('series_id').notNull(),
    sopInstanceUid: text('sop_instance_uid').notNull(),
    sopClassUid: text('sop_class_uid').notNull(),
    sha256: text('sha256').notNull(),
    size: integer('size'),
    transferSyntaxUid: text('transfer_syntax_uid'),
    instanceNumber: integer('instance_number'),
    thumbnailSha256: text('thumbnail_sha256').notNull(),
    previewSha256: text('preview_sha256').notNull(),
    placeholderReason: text('placeholder_reason'),
    conflict: integer('conflict', { mode: 'boolean' }).notNull().default(false),
    agentId: text('agent_id').notNull(),
    receivedAt: text('received_at').notNull(),
  },
  (t) => [
    uniqueIndex('study_instances_uid_sha').on(t.seriesId, t.sopInstanceUid, t.sha256),
    index('study_instances_sop').on(t.sopInstanceUid),
    index('study_instances_study').on(t.studyId),
  ],
);

/** Who linked or unlinked a study, when, and why: the audit trail of matching. */
export const studyAudit = sqliteTable(
  'study_audit',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    studyId: text('study_id').notNull(),
    at: text('at').notNull(),
    action: text('action').notNull(),
    orderId: text('order_id'),
    detail: text('detail'),
  },
  (t) => [index('study_audit_study').on(t.studyId)],
);

/**
 * An order whose MPPS said COMPLETED before the instances it lists had arrived: it completes when
 * they have, or at the deadline flagged "completed with missing images".
 */
export const orderCompletionWaits = sqliteTable('order_completion_waits', {
  orderId: text('order_id').primaryKey(),
  performedStepUid: text('performed_step_uid').notNull(),
  expectedJson: text('expected_json').notNull(),
  deadlineMs: integer('deadline_ms').notNull(),
  createdAt: createdAt(),
});
