import { and, eq } from 'drizzle-orm';
import type { ScheduledStepReference } from '@lightbox/protocol';
import type { Tx } from '../db/database.js';
import { orders } from '../db/schema.js';

type OrderRow = typeof orders.$inferSelect;

/**
 * The orders an MPPS speaks for, one per Scheduled Step Attributes item, strongest key first:
 * Study Instance UID, then Accession Number, then Scheduled Procedure Step ID. Several items may
 * name several orders (the group case); an item nothing matches links nothing — never a guess.
 */
export async function linkToOrders(
  tx: Tx,
  siteId: string,
  steps: ScheduledStepReference[],
): Promise<OrderRow[]> {
  const found = new Map<string, OrderRow>();
  for (const step of steps) {
    const order = await firstMatch(tx, siteId, step);
    if (order) found.set(order.id, order);
  }
  return [...found.values()];
}

async function firstMatch(
  tx: Tx,
  siteId: string,
  step: ScheduledStepReference,
): Promise<OrderRow | undefined> {
  const keys = [
    step.studyInstanceUid ? eq(orders.studyInstanceUid, step.studyInstanceUid) : null,
    step.accessionNumber ? eq(orders.accessionNumber, step.accessionNumber) : null,
    step.scheduledProcedureStepId ? eq(orders.scheduledProcedureStepId, step.scheduledProcedureStepId) : null,
  ];
  for (const key of keys) {
    if (!key) continue;
    const rows = await tx
      .select()
      .from(orders)
      .where(and(eq(orders.siteId, siteId), key))
      .limit(2);
    // Two orders sharing a weaker key (step ids are unique only per order) is ambiguous: no match.
    if (rows.length === 1) return rows[0];
  }
  return undefined;
}
