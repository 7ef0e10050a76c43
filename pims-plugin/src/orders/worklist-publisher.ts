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

/**
 * `publishOrder` for orders just created (no agent holds them yet), all at once: each agent gets its
 * new items in the orders' order with one outbox append. Returns the agents to wake.
 */
export async function publishNewOrders(tx: Tx, created: OrderRow[]): Promise<string[]> {
  if (created.length === 0) return [];
  const route = await loadRouting(tx, created[0]!.siteId);
  const byAgent = new Map<string, WorklistItem[]>();
  const held: { orderId: string; agentId: string }[] = [];
  for (const order of created) {
    const open = order.status === 'scheduled' || order.status === 'in_progress';
    if (!open) continue;
    const item = worklistItemOf(order);
    for (const agentId of route(order)) {
      const items = byAgent.get(agentId) ?? [];
      items.push(item);
      byAgent.set(agentId, items);
      held.push({ orderId: order.id, agentId });
    }
  }
  for (const [agentId, items] of byAgent) {
    await enqueueForAgent(
      tx,
      agentId,
      items.map((item) => ({ kind: 'worklist.upsert' as const, item })),
    );
  }
  for (let i = 0; i < held.length; i += 200) {
    await tx
      .insert(orderAgents)
      .values(held.slice(i, i + 200))
      .onConflictDoNothing();
  }
  return [...byAgent.keys()];
}
