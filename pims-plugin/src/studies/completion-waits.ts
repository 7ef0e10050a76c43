import { eq, inArray, lte } from 'drizzle-orm';
import type { Tx } from '../db/database.js';
import { orderCompletionWaits, orders, studyInstances } from '../db/schema.js';
import { appendEvent } from '../events/event-store.js';
import { orderEventData } from '../orders/order-event-data.js';
import { changeOrderStatus } from '../orders/order-status-change.js';
import { nextOrderStatus } from '../orders/order-state-machine.js';
import { publishOrder } from '../orders/worklist-publisher.js';

/** Why an order completed, as `order.completed` tells the PIMS. */
export type CompletionReason = 'mpps' | 'images_stable_no_mpps' | 'manual';

/**
 * The SOP instances of `expected` not yet received, at any study of any agent: an MPPS lists what
 * was acquired, and the images may travel by another route or arrive first.
 */
export async function missingInstances(tx: Tx, expected: string[]): Promise<string[]> {
  if (expected.length === 0) return [];
  const present = new Set<string>();
  for (let i = 0; i < expected.length; i += 500) {
    const rows = await tx
      .select({ uid: studyInstances.sopInstanceUid })
      .from(studyInstances)
      .where(inArray(studyInstances.sopInstanceUid, expected.slice(i, i + 500)));
    for (const r of rows) present.add(r.uid);
  }
  return expected.filter((uid) => !present.has(uid));
}

/**
 * Starts waiting for an order's images; returns false when it was already waiting. A repeated
 * COMPLETED keeps the first deadline — resending must not postpone the PIMS's answer.
 */
export async function startCompletionWait(
  tx: Tx,
  orderId: string,
  performedStepUid: string,
  expected: string[],
  deadlineMs: number,
): Promise<boolean> {
  const inserted = await tx
    .insert(orderCompletionWaits)
    .values({ orderId, performedStepUid, expectedJson: JSON.stringify(expected), deadlineMs })
    .onConflictDoNothing()
    .returning({ orderId: orderCompletionWaits.orderId });
  return inserted.length > 0;
}

/** After an instance arrived: completes the order if its MPPS was waiting for nothing more. */
export async function completeIfImagesArrived(tx: Tx, orderId: string): Promise<string[]> {
  const [wait] = await tx
    .select()
    .from(orderCompletionWaits)
    .where(eq(orderCompletionWaits.orderId, orderId));
  if (!wait) return [];
  const expected = JSON.parse(wait.expectedJson) as string[];
  if ((await missingInstances(tx, expected)).length > 0) return [];
  await tx.delete(orderCompletionWaits).where(eq(orderCompletionWaits.orderId, orderId));
  return completeOrder(
    tx,
    orderId,
    'mpps',
    `MPPS ${wait.performedStepUid}; all ${expected.length} images arrived`,
    {
      performedStepUid: wait.performedStepUid,
      missingImages: false,
    },
  );
}

/** Waits past their deadline: complete, flagged "completed with missing images". */
export async function completeOverdueWaits(tx: Tx, nowMs: number): Promise<string[]> {
  const overdue = await tx
    .select()
    .from(orderCompletionWaits)
    .where(lte(orderCompletionWaits.deadlineMs, nowMs));
  const wake: string[] = [];
  for (const wait of overdue) {
    const expected = JSON.parse(wait.expectedJson) as string[];
    const missing = await missingInstances(tx, expected);
    await tx.delete(orderCompletionWaits).where(eq(orderCompletionWaits.orderId, wait.orderId));
    const reason =
      missing.length > 0
        ? `completed with missing images: ${missing.length} of ${expected.length} listed by MPPS ${wait.performedStepUid} never arrived`
        : `MPPS ${wait.performedStepUid}; all ${expected.length} images arrived`;
    wake.push(
      ...(await completeOrder(tx, wait.orderId, 'mpps', reason, {
        performedStepUid: wait.performedStepUid,
        missingImages: missing.length > 0,
        missingSopInstanceUids: missing.slice(0, 100),
      })),
    );
  }
  return wake;
}

/** Moves an order to completed with its timeline entry and `order.completed` event. */
export async function completeOrder(
  tx: Tx,
  orderId: string,
  reason: CompletionReason,
  timelineReason: string,
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId));
  if (!order) return [];
  const next = nextOrderStatus(order.status, { kind: 'step-completed' });
  if (next !== 'completed' || order.status === 'completed') return [];
  const updated = await changeOrderStatus(tx, order, next, `completed:${reason}`, timelineReason);
  await appendEvent(tx, order.siteId, 'order.completed', { ...orderEventData(updated), reason, ...extra });
  return publishOrder(tx, updated);
}
