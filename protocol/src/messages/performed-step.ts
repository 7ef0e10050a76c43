import { z } from 'zod';

const uid = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)*$/)
  .max(64);
const sh = z.string().max(64);

/** One item of the Scheduled Step Attributes Sequence: the keys that link the MPPS to orders. */
export const scheduledStepReference = z.object({
  studyInstanceUid: uid.optional(),
  accessionNumber: sh.optional(),
  requestedProcedureId: sh.optional(),
  scheduledProcedureStepId: sh.optional(),
});
export type ScheduledStepReference = z.infer<typeof scheduledStepReference>;

/** One item of the Performed Series Sequence: what the modality says it acquired. */
export const performedSeries = z.object({
  seriesInstanceUid: uid,
  sopInstanceUids: z.array(uid).max(10_000),
});

/**
 * An MPPS as the modality reported it, forwarded after the agent committed it to its journal. The
 * agent extracts the linking keys; `attributes` keeps the whole data set for the record.
 */
/** A performed step's status as PS3.3 C.4.14 names it. */
export const MPPS_STATUSES = ['IN PROGRESS', 'COMPLETED', 'DISCONTINUED'] as const;
export type MppsStatus = (typeof MPPS_STATUSES)[number];

export const performedStepMessage = z.object({
  kind: z.literal('mpps.changed'),
  sopInstanceUid: uid,
  /** created: N-CREATE; updated: an N-SET that changed something. */
  event: z.enum(['created', 'updated']),
  status: z.enum(MPPS_STATUSES),
  callingAeTitle: z.string().max(16),
  receivedAt: z.string(),
  modality: z.string().max(16).optional(),
  scheduledSteps: z.array(scheduledStepReference).max(64),
  performedSeries: z.array(performedSeries).max(1_000),
  /** (0040,0281) when DISCONTINUED; 110514 "Incorrect worklist entry selected" re-opens the order. */
  discontinuationReason: z.object({ code: sh, scheme: sh, meaning: z.string().max(64) }).optional(),
  attributes: z.record(z.string(), z.unknown()),
});
export type PerformedStepMessage = z.infer<typeof performedStepMessage>;
