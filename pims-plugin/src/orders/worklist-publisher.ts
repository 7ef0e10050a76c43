import { and, eq, inArray } from 'drizzle-orm';
import type { WlItem, WorklistItem } from '@lightbox/protocol';
import type { Tx } from '../db/database.js';
import { orderAgents, orders } from '../db/schema.js';
import { enqueueForAgent } from '../outbox/outbox-to-agent.js';
import { loadRouting } from './order-routing.js';

type OrderRow = typeof orders.$inferSelect;

const spsStatusOf: Record<WorklistItem['status'], string> = {
  scheduled: 'SCHEDULED',
  in_progress: 'STARTED',
  completed: 'COMPLETED',
  discontinued: 'DISCONTINUED',
  cancelled: 'DISCONTINUED',
};

/** What an agent keeps for an order: the stored attributes with the step's current status. */
export function worklistItemOf(order: OrderRow): WorklistItem {
  const attributes = JSON.parse(order.attributesJson) as WlItem;
  const status = order.status;
  const steps = attributes.ScheduledProcedureStepSequence;
  if (Array.isArray(steps) && steps[0]) steps[0].ScheduledProcedureStepStatus = spsStatusOf[status];
  return { orderId: order.id, revision: order.revision, status, attributes };
}

/**
 * Sends an order's current state to the agents that serve it, and takes it back from agents that no
 * longer do (a correction moved it to another station). Runs in the caller's transaction; returns
 * the agents to wake once it commits.
 */
export async function publishOrder(tx: Tx, order: OrderRow): Promise<string[]> {
  const held = (
    await tx
      .select({ agentId: orderAgents.agentId })
      .from(orderAgents)
      .where(eq(orderAgents.orderId, order.id))
  ).map((r) => r.agentId);
  const open = order.status === 'scheduled' || order.status === 'in_progress';
  const targets = open ? (await loadRouting(tx, order.siteId))(order) : [];
  const dropped = held.filter((a) => !targets.includes(a));
  for (const agentId of dropped) {
    await enqueueForAgent(tx, agentId, [
      { kind: 'worklist.remove', orderId: order.id, reason: order.status },
    ]);
  }
  if (dropped.length > 0) {
    await tx
      .delete(orderAgents)
      .where(and(eq(orderAgents.orderId, order.id), inArray(orderAgents.agentId, dropped)));
  }
  const item = worklistItemOf(order);
  for (const agentId of targets) {
    await enqueueForAgent(tx, agentId, [{ kind: 'worklist.upsert', item }]);
    await tx.insert(orderAgents).values({ orderId: order.id, agentId }).onConflictDoNothing();
  }
  return [...dropped, ...targets];
}
