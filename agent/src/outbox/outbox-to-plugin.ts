import { asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { AgentToPluginMessage } from '@lightbox/protocol';
import type { AgentDb, AgentTx } from '../db/agent-database.js';
import { linkState, outbox } from '../db/schema.js';

/**
 * Puts messages for the plugin into the durable outbox inside the caller's transaction, so the
 * journal entry that caused them and the messages commit together.
 */
export async function enqueueForPlugin(tx: AgentTx, bodies: AgentToPluginMessage[]): Promise<number[]> {
  if (bodies.length === 0) return [];
  const [state] = await tx
    .update(linkState)
    .set({ lastOutSeq: sql`${linkState.lastOutSeq} + ${bodies.length}` })
    .where(eq(linkState.id, 1))
    .returning({ lastOutSeq: linkState.lastOutSeq });
  const first = state!.lastOutSeq - bodies.length + 1;
  const rows = bodies.map((body, i) => ({ seq: first + i, bodyJson: JSON.stringify(body) }));
  for (let i = 0; i < rows.length; i += 300) await tx.insert(outbox).values(rows.slice(i, i + 300));
  return rows.map((r) => r.seq);
}

export function readPluginOutbox(db: AgentDb, afterSeq: number, limit: number) {
  return db
    .select({ seq: outbox.seq, bodyJson: outbox.bodyJson })
    .from(outbox)
    .where(gt(outbox.seq, afterSeq))
    .orderBy(asc(outbox.seq))
    .limit(limit);
}

export async function forgetAcknowledged(tx: AgentTx, upToSeq: number): Promise<void> {
  await tx.delete(outbox).where(lte(outbox.seq, upToSeq));
  await tx
    .update(linkState)
    .set({ ackedOutSeq: sql`max(${linkState.ackedOutSeq}, ${upToSeq})` })
    .where(eq(linkState.id, 1));
}

export async function pluginOutboxDepth(db: AgentDb): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(outbox);
  return row?.n ?? 0;
}

export async function readAgentLinkState(db: AgentDb) {
  const [row] = await db.select().from(linkState).where(eq(linkState.id, 1));
  return row ?? { id: 1, lastOutSeq: 0, ackedOutSeq: 0, lastInSeq: 0 };
}
