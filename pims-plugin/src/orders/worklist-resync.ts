import { createHash, randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { WorklistDigest } from '@lightbox/protocol';
import type { Tx } from '../db/database.js';
import { agents, orderAgents, orders } from '../db/schema.js';
import { enqueueForAgent } from '../outbox/outbox-to-agent.js';
import { loadRouting } from './order-routing.js';
import { worklistItemOf } from './worklist-publisher.js';

/**
 * Compares an agent's worklist copy (its digest in the hello) with the open orders routed to it and,
 * when they differ, sends a full resynchronisation through the outbox. The durable link keeps the
 * two equal through any outage; this repairs what it cannot: a replaced journal, or an agent
 * registered after orders were created.
 */
export async function resyncWorklistIfNeeded(
  tx: Tx,
  agentId: string,
  reported: WorklistDigest | undefined,
  force: boolean,
): Promise<{ resynced: boolean; items: number }> {
  if (!reported) return { resynced: false, items: 0 };
  const [agent] = await tx.select({ siteId: agents.siteId }).from(agents).where(eq(agents.id, agentId));
  if (!agent) return { resynced: false, items: 0 };
  const open = await tx
    .select()
    .from(orders)
    .where(and(eq(orders.siteId, agent.siteId), inArray(orders.status, ['scheduled', 'in_progress'])));
  const route = await loadRouting(tx, agent.siteId);
  const mine = open.filter((order) => route(order).includes(agentId));
  const lines = mine.map((o) => `${o.id}:${o.revision}`).sort();
  const expected = createHash('sha256').update(lines.join('\n')).digest('hex');
  if (!force && expected === reported.sha256 && lines.length === reported.count)
    return { resynced: false, items: mine.length };

  const syncId = randomUUID();
  await enqueueForAgent(tx, agentId, [
    { kind: 'worklist.sync-begin', syncId },
    ...mine.map((o) => ({ kind: 'worklist.upsert' as const, item: worklistItemOf(o) })),
    { kind: 'worklist.sync-end', syncId, orderIds: mine.map((o) => o.id) },
  ]);
  await tx.delete(orderAgents).where(eq(orderAgents.agentId, agentId));
  for (let i = 0; i < mine.length; i += 300) {
    await tx.insert(orderAgents).values(mine.slice(i, i + 300).map((o) => ({ orderId: o.id, agentId })));
  }
  return { resynced: true, items: mine.length };
}
