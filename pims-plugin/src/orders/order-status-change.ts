import { eq } from 'drizzle-orm';
import { slices } from '../db/bound-parameters.js';
import type { Tx } from '../db/database.js';
import { orderTimeline, orders } from '../db/schema.js';
import type { OrderStatus } from './order-dto.js';

type OrderRow = typeof orders.$inferSelect;

function timelineEntry(order: OrderRow, change: string, reason: string | null) {
  return { orderId: order.id, at: order.updatedAt, status: order.status, change, reason };
}

/** Adds a timeline entry for the order as it now stands (`GET /v1/orders/{id}` shows them). */
export async function recordOrderChange(
  tx: Tx,
  order: OrderRow,
  change: string,
  reason: string | null,
): Promise<void> {
  await tx.insert(orderTimeline).values(timelineEntry(order, change, reason));
}

/** `recordOrderChange` for many orders at once, in a few statements. */
export async function recordOrderChanges(tx: Tx, list: OrderRow[], change: string): Promise<void> {
  for (const part of slices(list, 100)) {
    await tx.insert(orderTimeline).values(part.map((order) => timelineEntry(order, change, null)));
  }
}

/**
 * Moves an order to `status`, one revision on, with its timeline entry: the same write whoever
 * decided the change (a PIMS command, an MPPS, images that stopped arriving). Deciding is the state
 * machine's part; the caller has asked it.
 */
export async function changeOrderStatus(
  tx: Tx,
  order: OrderRow,
  status: OrderStatus,
  change: string,
  reason: string | null,
): Promise<OrderRow> {
  const [updated] = await tx
    .update(orders)
    .set({ status, revision: order.revision + 1, updatedAt: new Date().toISOString() })
    .where(eq(orders.id, order.id))
    .returning();
  await recordOrderChange(tx, updated!, change, reason);
  return updated!;
}
