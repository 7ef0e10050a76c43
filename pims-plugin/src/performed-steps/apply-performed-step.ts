import { eq } from 'drizzle-orm';
import type { PerformedStepMessage } from '@lightbox/protocol';
import type { Tx } from '../db/database.js';
import {
  agents,
  orderCompletionWaits,
  orders,
  orderTimeline,
  performedStepHistory,
  performedSteps,
} from '../db/schema.js';
import { missingInstances, startCompletionWait } from '../studies/completion-waits.js';
import { sendStudiesToReconciliation } from '../studies/study-reconciliation.js';
import { appendEvent } from '../events/event-store.js';
import { nextOrderStatus, type OrderEvent } from '../orders/order-state-machine.js';
import { publishOrder } from '../orders/worklist-publisher.js';
import { orderEventData } from '../orders/order-event-data.js';
import { changeOrderStatus } from '../orders/order-status-change.js';
import { linkToOrders } from './link-to-orders.js';

type OrderRow = typeof orders.$inferSelect;

/** DCM 110514 "Incorrect worklist entry selected": the order was not really performed. */
const WRONG_WORKLIST_ENTRY = '110514';

/**
 * Records an MPPS and moves the orders it speaks for, inside the link's inbox transaction. Returns
 * the agents whose worklists changed, to wake after the commit.
 */
export async function applyPerformedStep(
  tx: Tx,
  agentId: string,
  msg: PerformedStepMessage,
  /** How long a COMPLETED step waits for the images it lists before completing without them. */
  completionWaitMs = 0,
): Promise<string[]> {
  const [agent] = await tx.select({ siteId: agents.siteId }).from(agents).where(eq(agents.id, agentId));
  if (!agent) return [];
  const now = new Date().toISOString();
  const [existing] = await tx
    .select()
    .from(performedSteps)
    .where(eq(performedSteps.sopInstanceUid, msg.sopInstanceUid));
  // An MPPS keeps the orders it was first linked to; re-linking on every N-SET could move it.
  const linked = existing
    ? await ordersById(tx, JSON.parse(existing.orderIdsJson) as string[])
    : await linkToOrders(tx, agent.siteId, msg.scheduledSteps);
  const record = {
    status: msg.status,
    modality: msg.modality ?? null,
    callingAeTitle: msg.callingAeTitle,
    scheduledStepsJson: JSON.stringify(msg.scheduledSteps),
    performedSeriesJson: JSON.stringify(msg.performedSeries),
    discontinuationJson: msg.discontinuationReason ? JSON.stringify(msg.discontinuationReason) : null,
    attributesJson: JSON.stringify(msg.attributes),
    orderIdsJson: JSON.stringify(linked.map((o) => o.id)),
    updatedAt: now,
  };
  if (existing)
    await tx.update(performedSteps).set(record).where(eq(performedSteps.sopInstanceUid, msg.sopInstanceUid));
  else
    await tx
      .insert(performedSteps)
      .values({ sopInstanceUid: msg.sopInstanceUid, siteId: agent.siteId, agentId, ...record });
  await tx
    .insert(performedStepHistory)
    .values({ sopInstanceUid: msg.sopInstanceUid, at: now, event: msg.event, status: msg.status });

  const event = orderEventOf(msg);
  const wake: string[] = [];
  const expected = msg.performedSeries.flatMap((s) => s.sopInstanceUids);
  const missing = event.kind === 'step-completed' ? await missingInstances(tx, expected) : [];
  for (const order of linked) {
    if (
      missing.length > 0 &&
      completionWaitMs > 0 &&
      (order.status === 'scheduled' || order.status === 'in_progress')
    ) {
      // Completed at the modality, but the images it lists are not all here: the PIMS hears
      // `order.completed` when they are, or at the deadline flagged as missing images.
      wake.push(...(await moveOrder(tx, order, { kind: 'step-started' }, msg)));
      const deadline = Date.now() + completionWaitMs;
      if (!(await startCompletionWait(tx, order.id, msg.sopInstanceUid, expected, deadline))) continue;
      await tx.insert(orderTimeline).values({
        orderId: order.id,
        at: new Date().toISOString(),
        status: 'in_progress',
        change: 'mpps:completed',
        reason: `MPPS ${msg.sopInstanceUid}; waiting for ${missing.length} of ${expected.length} images`,
      });
      continue;
    }
    const flags =
      missing.length > 0 ? { missingImages: true, missingSopInstanceUids: missing.slice(0, 100) } : {};
    wake.push(...(await moveOrder(tx, order, event, msg, 'mpps', flags)));
  }
  return wake;
}

export function orderEventOf(msg: StepFacts): OrderEvent {
  switch (msg.status) {
    case 'IN PROGRESS':
      return { kind: 'step-started' };
    case 'COMPLETED':
      return { kind: 'step-completed' };
    case 'DISCONTINUED':
      return {
        kind: 'step-discontinued',
        wrongWorklistEntry: msg.discontinuationReason?.code === WRONG_WORKLIST_ENTRY,
      };
  }
}

/** What moving an order needs to know of the MPPS that moves it. */
export type StepFacts = Pick<PerformedStepMessage, 'sopInstanceUid' | 'status' | 'discontinuationReason'>;

/**
 * Moves one order as the MPPS says, with its timeline entry and event. `how` labels the change:
 * `mpps` when the modality linked it, `mpps-linked-by-hand` when a person reconciled it. Returns
 * the agents whose worklists changed.
 */
export async function moveOrder(
  tx: Tx,
  order: OrderRow,
  event: OrderEvent,
  msg: StepFacts,
  how: 'mpps' | 'mpps-linked-by-hand' = 'mpps',
  /** Added to the event's data: whether images listed by the MPPS are missing, say. */
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  const current = order.status;
  const next = nextOrderStatus(current, event);
  if (next === null || next === current) return [];
  const reason =
    event.kind === 'step-discontinued'
      ? (msg.discontinuationReason?.meaning ?? 'discontinued at the modality')
      : how === 'mpps'
        ? `MPPS ${msg.sopInstanceUid}`
        : `MPPS ${msg.sopInstanceUid}, linked by hand`;
  const updated = await changeOrderStatus(tx, order, next, `${how}:${msg.status.toLowerCase()}`, reason);
  const data = { ...orderEventData(updated), performedStepUid: msg.sopInstanceUid };
  switch (next) {
    case 'in_progress':
      await appendEvent(tx, order.siteId, 'order.in_progress', data);
      break;
    case 'completed':
      await tx.delete(orderCompletionWaits).where(eq(orderCompletionWaits.orderId, order.id));
      await appendEvent(tx, order.siteId, 'order.completed', {
        ...data,
        reason: 'mpps',
        missingImages: false,
        ...extra,
        ...(how === 'mpps' ? {} : { linkedByHand: true }),
      });
      break;
    case 'discontinued':
      await appendEvent(tx, order.siteId, 'order.discontinued', {
        ...data,
        reason: msg.discontinuationReason ?? null,
      });
      break;
    case 'scheduled':
      // Re-opened after "incorrect worklist entry selected": back on the worklist for the right
      // patient, and the images taken of the wrong one go to a person to file.
      await appendEvent(tx, order.siteId, 'order.scheduled', {
        ...data,
        reopened: true,
        reason: msg.discontinuationReason ?? null,
      });
      await sendStudiesToReconciliation(
        tx,
        order.id,
        'the MPPS was discontinued as "incorrect worklist entry selected"',
      );
      break;
    case 'cancelled':
      break;
  }
  return publishOrder(tx, updated);
}

async function ordersById(tx: Tx, ids: string[]): Promise<OrderRow[]> {
  const rows: OrderRow[] = [];
  for (const id of ids) {
    const [row] = await tx.select().from(orders).where(eq(orders.id, id));
    if (row) rows.push(row);
  }
  return rows;
}
