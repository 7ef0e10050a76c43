import { z } from 'zod';

const uid = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)*$/)
  .max(64);

/** An instance safely in the agent's spool, with the media rendered from it. */
export const storedInstanceMessage = z.object({
  kind: z.literal('instance.stored'),
  studyInstanceUid: uid,
  seriesInstanceUid: uid,
  sopInstanceUid: uid,
  sopClassUid: uid,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  callingAeTitle: z.string().max(16),
  receivedAt: z.string(),
  attributes: z.record(z.string(), z.unknown()),
});
export type StoredInstanceMessage = z.infer<typeof storedInstanceMessage>;
