import { z } from 'zod';

/**
 * Worklist values as both sides keep them: DICOM strings (multi-values joined by `\`, PN as
 * `Family^Given`, DA `YYYYMMDD`, TM `HHMMSS`) and sequences as arrays of items, keyed by keyword.
 */
export type WlValue = string | WlItem[];
export interface WlItem {
  [keyword: string]: WlValue | undefined;
}
export const wlItem: z.ZodType<WlItem> = z.lazy(() =>
  z.record(
    z.string().regex(/^[A-Za-z0-9]{1,64}$/),
    z.union([z.string().max(10_240), z.array(wlItem).max(64)]),
  ),
);

/**
 * One open worklist entry as the agent keeps it. `attributes` holds the DICOM values already
 * validated against their VRs by the plugin, keyed by tag keyword, so the agent never re-derives
 * them. `revision` grows with every change to the order so a stale copy can be recognised.
 */
/** A worklist entry's status: its order's. */
export const WORKLIST_ITEM_STATUSES = [
  'scheduled',
  'in_progress',
  'completed',
  'discontinued',
  'cancelled',
] as const;

export const worklistItem = z.object({
  orderId: z.string().min(1).max(64),
  revision: z.number().int().nonnegative(),
  status: z.enum(WORKLIST_ITEM_STATUSES),
  attributes: wlItem,
});
export type WorklistItem = z.infer<typeof worklistItem>;

export const worklistUpsertMessage = z.object({ kind: z.literal('worklist.upsert'), item: worklistItem });

export const worklistRemoveMessage = z.object({
  kind: z.literal('worklist.remove'),
  orderId: z.string().min(1).max(64),
  reason: z.string().max(256),
});

/**
 * Resynchronisation after the agent's copy was found to differ (a replaced journal): upserts follow
 * `worklist.sync-begin`, and `worklist.sync-end` removes every item it does not list.
 */
export const worklistSyncBeginMessage = z.object({
  kind: z.literal('worklist.sync-begin'),
  syncId: z.string().max(64),
});
export const worklistSyncEndMessage = z.object({
  kind: z.literal('worklist.sync-end'),
  syncId: z.string().max(64),
  orderIds: z.array(z.string().min(1).max(64)).max(100_000),
});

/** What the agent reports of its copy in its hello, so the plugin can tell whether it differs. */
export const worklistDigest = z.object({
  count: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type WorklistDigest = z.infer<typeof worklistDigest>;
