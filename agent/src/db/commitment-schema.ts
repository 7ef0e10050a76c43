import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Storage Commitment requests (N-ACTION) a modality made, kept until their N-EVENT-REPORT was
 * answered with success: a restart, or a modality that closed its association, still gets its
 * result, on a new association to the address its profile names.
 */
export const storageCommitments = sqliteTable('storage_commitments', {
  transactionUid: text('transaction_uid').primaryKey(),
  callingAeTitle: text('calling_ae_title').notNull(),
  /** `[{ sopClassUid, sopInstanceUid }]` as the modality listed them. */
  requestedJson: text('requested_json').notNull(),
  receivedAt: text('received_at').notNull(),
  /** The outcome once every instance was decided: `{ committed: [...], failed: [...] }`. */
  resultJson: text('result_json'),
  /** When the modality acknowledged the N-EVENT-REPORT; null while it is still to be told. */
  reportedAt: text('reported_at'),
  reportAttempts: integer('report_attempts').notNull().default(0),
  lastError: text('last_error'),
});
