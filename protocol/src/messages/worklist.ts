import { z } from 'zod';

/**
 * One open worklist entry as the agent keeps it. `attributes` holds the DICOM values already
 * validated against their VRs by the plugin, keyed by tag keyword, so the agent never re-derives
 * them. `revision` grows with every change to the order so a stale copy can be recognised.
 */
export const worklistItem = z.object({
  orderId: z.string().min(1).max(64),
  revision: z.number().int().nonnegative(),
  status: z.enum(['scheduled', 'in_progress', 'completed', 'discontinued', 'cancelled']),
  attributes: z.record(z.string(), z.unknown()),
});
export type WorklistItem = z.infer<typeof worklistItem>;

export const worklistUpsertMessage = z.object({ kind: z.literal('worklist.upsert'), item: worklistItem });

export const worklistRemoveMessage = z.object({
  kind: z.literal('worklist.remove'),
  orderId: z.string().min(1).max(64),
  reason: z.string().max(256),
});
