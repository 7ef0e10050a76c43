import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { PluginToAgentMessage } from '@lightbox/protocol';
import type { Db, Tx } from '../db/database.js';
import { agentLinkState, agentOutbox } from '../db/schema.js';

/**
 * Puts messages for an agent into its durable outbox inside the caller's transaction, so the state
 * change that caused them and the messages commit together. Returns their sequence numbers.
 */
export async function enqueueForAgent(
  tx: Tx,
  agentId: string,
  bodies: PluginToAgentMessage[],
): Promise<number[]> {
  if (bodies.length === 0) return [];
  await tx.insert(agentLinkState).values({ agentId }).onConflictDoNothing();
  const [state] = await tx
    .update(agentLinkState)
    .set({ lastOutSeq: sql`${agentLinkState.lastOutSeq} + ${bodies.length}` })
    .where(eq(agentLinkState.agentId, agentId))
    .returning({ lastOutSeq: agentLinkState.lastOutSeq });
  const first = state!.lastOutSeq - bodies.length + 1;
  const rows = bodies.map((body, i) => ({ agentId, seq: first + i, bodyJson: JSON.stringify(body) }));
  // SQLite limits bound parameters per statement; 200 rows × 3 columns stays well inside it.
  for (let i = 0; i < rows.length; i += 200) await tx.insert(agentOutbox).values(rows.slice(i, i + 200));
  return rows.map((r) => r.seq);
}

export function readAgentOutbox(db: Db, agentId: string, afterSeq: number, limit: number) {
  return db
    .select({ seq: agentOutbox.seq, bodyJson: agentOutbox.bodyJson })
    .from(agentOutbox)
    .where(and(eq(agentOutbox.agentId, agentId), gt(agentOutbox.seq, afterSeq)))
    .orderBy(asc(agentOutbox.seq))
    .limit(limit);
}

export async function forgetAcknowledged(tx: Tx, agentId: string, upToSeq: number): Promise<void> {
  await tx.delete(agentOutbox).where(and(eq(agentOutbox.agentId, agentId), lte(agentOutbox.seq, upToSeq)));
  await tx
    .update(agentLinkState)
    .set({ ackedOutSeq: sql`max(${agentLinkState.ackedOutSeq}, ${upToSeq})` })
    .where(eq(agentLinkState.agentId, agentId));
}

export async function outboxDepth(db: Db, agentId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(agentOutbox)
    .where(eq(agentOutbox.agentId, agentId));
  return row?.n ?? 0;
}
