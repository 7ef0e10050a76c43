import { sql } from 'drizzle-orm';
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { MPPS_STATUSES, WORKLIST_ITEM_STATUSES } from '@lightbox/protocol';

const createdAt = () =>
  text('created_at')
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`);

/** The single link to the plugin: both directions' sequence numbers. Always one row, id 1. */
export const linkState = sqliteTable('link_state', {
  id: integer('id').primaryKey(),
  lastOutSeq: integer('last_out_seq').notNull().default(0),
  ackedOutSeq: integer('acked_out_seq').notNull().default(0),
  lastInSeq: integer('last_in_seq').notNull().default(0),
});

/** Agent→plugin messages kept until the plugin acknowledges them; survives restarts and outages. */
export const outbox = sqliteTable('outbox', {
  seq: integer('seq').primaryKey(),
  bodyJson: text('body_json').notNull(),
  createdAt: createdAt(),
});

/** Plugin→agent messages that could not be applied: kept for a person to look at. */
export const deadLetters = sqliteTable('dead_letters', {
  seq: integer('seq').primaryKey(),
  bodyJson: text('body_json').notNull(),
  reason: text('reason').notNull(),
  createdAt: createdAt(),
});

/** Link checks the plugin sent, with how many times each was applied (always 1 when all is well). */
export const probes = sqliteTable(
  'probes',
  {
    probeId: text('probe_id').notNull(),
    n: integer('n').notNull(),
    appliedCount: integer('applied_count').notNull(),
    inSeq: integer('in_seq').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.probeId, t.n] })],
);

/** The complete local copy of this agent's open worklist: modalities keep working when the link is down. */
export const worklistItems = sqliteTable('worklist_items', {
  orderId: text('order_id').primaryKey(),
  revision: integer('revision').notNull(),
  status: text('status', { enum: WORKLIST_ITEM_STATUSES }).notNull(),
  attributesJson: text('attributes_json').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/**
 * MPPS journal: every Modality Performed Procedure Step this agent accepted, as it stands now. The
 * N-SETs that follow are checked against it (unknown, already final), so it must survive restarts.
 */
export const mppsSteps = sqliteTable('mpps_steps', {
  sopInstanceUid: text('sop_instance_uid').primaryKey(),
  status: text('status', { enum: MPPS_STATUSES }).notNull(),
  callingAeTitle: text('calling_ae_title').notNull(),
  /** The data set as N-CREATE and the N-SETs since left it (N-SET replaces what it carries). */
  attributesJson: text('attributes_json').notNull(),
  /** What the plugin was last told of this step, so a repeat that changes nothing sends nothing. */
  notifiedViewJson: text('notified_view_json').notNull(),
  createdAt: createdAt(),
  updatedAt: text('updated_at').notNull(),
});

/** Each accepted N-CREATE / N-SET, in order: what a support engineer reads to follow a step. */
export const mppsOperations = sqliteTable('mpps_operations', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  sopInstanceUid: text('sop_instance_uid').notNull(),
  operation: text('operation', { enum: ['N-CREATE', 'N-SET'] }).notNull(),
  status: text('status', { enum: MPPS_STATUSES }).notNull(),
  callingAeTitle: text('calling_ae_title').notNull(),
  /** The outbox sequence number of the message it caused; null when the plugin had nothing to learn. */
  outSeq: integer('out_seq'),
  /** What was tolerated (e.g. `COMPLETE` read as `COMPLETED`). */
  warningsJson: text('warnings_json').notNull(),
  at: text('at').notNull(),
});

/**
 * Instances received by the Storage SCP, one row per distinct content: the same SOP Instance UID
 * sent again with other bytes is a second row, flagged as a conflict for a person to resolve. A
 * row exists only once its file is fsync'd in the spool, which is what lets C-STORE say success.
 */
export const storedInstances = sqliteTable(
  'stored_instances',
  {
    sopInstanceUid: text('sop_instance_uid').notNull(),
    /** SHA-256 of the data set bytes as received (after the file meta group), hex. */
    sha256: text('sha256').notNull(),
    sopClassUid: text('sop_class_uid').notNull(),
    studyInstanceUid: text('study_instance_uid').notNull(),
    seriesInstanceUid: text('series_instance_uid').notNull(),
    transferSyntaxUid: text('transfer_syntax_uid').notNull(),
    patientId: text('patient_id').notNull(),
    patientName: text('patient_name').notNull(),
    accessionNumber: text('accession_number').notNull(),
    modality: text('modality').notNull(),
    studyDate: text('study_date').notNull(),
    seriesNumber: text('series_number').notNull(),
    instanceNumber: text('instance_number').notNull(),
    numberOfFrames: text('number_of_frames').notNull(),
    /** Path of the Part-10 file relative to the spool folder. */
    relativePath: text('relative_path').notNull(),
    /** Size of the whole Part-10 file, and of the data set within it. */
    fileBytes: integer('file_bytes').notNull(),
    datasetBytes: integer('dataset_bytes').notNull(),
    callingAeTitle: text('calling_ae_title').notNull(),
    /** 1 when an earlier row holds the same SOP Instance UID with other bytes. */
    conflict: integer('conflict').notNull().default(0),
    receivedAt: text('received_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sopInstanceUid, t.sha256] })],
);

// Delivery of stored instances lives in its own module; re-exported so one schema drives migrations.
export * from './delivery-schema.js';
export * from './forwarding-schema.js';
export * from './retention-schema.js';
export * from './commitment-schema.js';
