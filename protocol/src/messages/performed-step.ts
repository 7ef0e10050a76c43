import { z } from 'zod';

const uid = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)*$/)
  .max(64);

/** An MPPS as the modality reported it, forwarded after the agent committed it to its journal. */
export const performedStepMessage = z.object({
  kind: z.literal('mpps.changed'),
  sopInstanceUid: uid,
  event: z.enum(['created', 'updated']),
  status: z.enum(['IN PROGRESS', 'COMPLETED', 'DISCONTINUED']),
  callingAeTitle: z.string().max(16),
  receivedAt: z.string(),
  attributes: z.record(z.string(), z.unknown()),
});
export type PerformedStepMessage = z.infer<typeof performedStepMessage>;
