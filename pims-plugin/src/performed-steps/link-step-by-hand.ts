import { and, eq } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import type { Database, Tx } from '../db/database.js';
import { orders, performedStepHistory, performedSteps } from '../db/schema.js';
import { nextOrderStatus, type OrderEvent } from '../orders/order-state-machine.js';
import { rowOfSite } from '../db/row-of-site.js';
import { moveOrder, orderEventOf, type StepFacts } from './apply-performed-step.js';

type OrderRow = typeof orders.$inferSelect;

/**
 * A person reconciles an unscheduled MPPS: the orders it really performed move as if the modality
 * had named them. All or nothing — one order that cannot take the step refuses the whole link.
 * Returns the agents whose worklists changed.
 */
export async function linkStepByHand(
  database: Database,
  siteId: string,
  sopInstanceUid: string,
  orderIds: string[],
): Promise<string[]> {
  return database.write((tx) => linkStepWithin(tx, siteId, sopInstanceUid, orderIds));
}

/** `linkStepByHand` inside the caller's write transaction (with its audit entry, say). */
export async function linkStepWithin(
  tx: Tx,
  siteId: string,
  sopInstanceUid: string,
  orderIds: string[],
): Promise<string[]> {
  const [step] = await tx
    .select()
    .from(performedSteps)
    .where(and(eq(performedSteps.sopInstanceUid, sopInstanceUid), eq(performedSteps.siteId, siteId)));
  if (!step) throw new LightboxError('not_found', 'performed procedure step not found');
  const already = JSON.parse(step.orderIdsJson) as string[];
  if (already.length > 0) {
    throw new LightboxError('conflict', `the step is already linked to ${already.join(', ')}`);
  }
  const facts: StepFacts = {
    sopInstanceUid,
    status: step.status,
    discontinuationReason: step.discontinuationJson
      ? (JSON.parse(step.discontinuationJson) as StepFacts['discontinuationReason'])
      : undefined,
  };
  const events = eventsToReplay(facts);
  if (events.some((e) => e.kind === 'step-discontinued' && e.wrongWorklistEntry)) {
    throw new LightboxError(
      'conflict',
      'the step was discontinued as "incorrect worklist entry selected"; it performed no order',
    );
  }
  const targets: OrderRow[] = [];
  for (const orderId of new Set(orderIds)) {
    const order = await rowOfSite(tx, orders, siteId, orderId);
    if (!order) throw new LightboxError('not_found', `order ${orderId} not found`);
    assertCanTake(order, events);
    targets.push(order);
  }
  const wake: string[] = [];
  for (const target of targets) {
    for (const event of events) {
      const current = await reload(tx, target.id);
      wake.push(...(await moveOrder(tx, current, event, facts, 'mpps-linked-by-hand')));
    }
  }
  await tx
    .update(performedSteps)
    .set({ orderIdsJson: JSON.stringify(targets.map((o) => o.id)), updatedAt: new Date().toISOString() })
    .where(eq(performedSteps.sopInstanceUid, sopInstanceUid));
  await tx.insert(performedStepHistory).values({
    sopInstanceUid,
    at: new Date().toISOString(),
    event: 'linked-by-hand',
    status: step.status,
  });
  return wake;
}

/** The order never saw the step begin, so a finished step is replayed from its start. */
function eventsToReplay(facts: StepFacts): OrderEvent[] {
  const final = orderEventOf(facts);
  return final.kind === 'step-started' ? [final] : [{ kind: 'step-started' }, final];
}

function assertCanTake(order: OrderRow, events: OrderEvent[]): void {
  let status = order.status;
  for (const event of events) {
    const next = nextOrderStatus(status, event);
    if (next === null) {
      throw new LightboxError(
        'conflict',
        `order ${order.id} is ${order.status}; it cannot take a ${event.kind.replace('step-', '')} step`,
      );
    }
    status = next;
  }
}

async function reload(tx: Tx, orderId: string): Promise<OrderRow> {
  const [row] = await tx.select().from(orders).where(eq(orders.id, orderId));
  return row!;
}
