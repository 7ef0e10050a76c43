import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { LinkCounters, LinkTables } from '@lightbox/protocol';
import type { Db, Tx } from '../db/database.js';
import { agentDeadLetters, agentLinkState, agentOutbox } from '../db/schema.js';

/** The plugin's link to one agent: that agent's rows in the shared link tables. */
export function agentLinkTables(agentId: string): LinkTables<Tx, Db> {
  const row = eq(agentLinkState.agentId, agentId);
  // An agent registered before link rows were made at registration has none yet.
  const ensureRow = (tx: Tx) => tx.insert(agentLinkState).values({ agentId }).onConflictDoNothing();
  return {
    // 200 rows × 3 columns stays well inside SQLite's bound-parameter limit.
    insertChunk: 200,

    async readCounters(db) {
      const [r] = await db.select().from(agentLinkState).where(row);
      return {
        lastOutSeq: r?.lastOutSeq ?? 0,
        ackedOutSeq: r?.ackedOutSeq ?? 0,
        lastInSeq: r?.lastInSeq ?? 0,
      };
    },

    async advanceLastOutSeq(tx, count) {
      await ensureRow(tx);
      const [state] = await tx
        .update(agentLinkState)
        .set({ lastOutSeq: sql`${agentLinkState.lastOutSeq} + ${count}` })
        .where(row)
        .returning({ lastOutSeq: agentLinkState.lastOutSeq });
      return state!.lastOutSeq;
    },

    async insertOutbox(tx, rows) {
      await tx.insert(agentOutbox).values(rows.map((r) => ({ agentId, ...r })));
    },

    readOutbox(db, afterSeq, limit) {
      return db
        .select({ seq: agentOutbox.seq, bodyJson: agentOutbox.bodyJson })
        .from(agentOutbox)
        .where(and(eq(agentOutbox.agentId, agentId), gt(agentOutbox.seq, afterSeq)))
        .orderBy(asc(agentOutbox.seq))
        .limit(limit);
    },

    async deleteOutboxUpTo(tx, upToSeq) {
      await tx
        .delete(agentOutbox)
        .where(and(eq(agentOutbox.agentId, agentId), lte(agentOutbox.seq, upToSeq)));
    },

    async countOutbox(db) {
      const [r] = await db
        .select({ n: sql<number>`count(*)` })
        .from(agentOutbox)
        .where(eq(agentOutbox.agentId, agentId));
      return r?.n ?? 0;
    },

    async raiseAckedOutSeq(tx, seq) {
      await tx
        .update(agentLinkState)
        .set({ ackedOutSeq: sql`max(${agentLinkState.ackedOutSeq}, ${seq})` })
        .where(row);
    },

    async writeCounters(tx, values: Partial<LinkCounters>) {
      await ensureRow(tx);
      await tx.update(agentLinkState).set(values).where(row);
    },

    async insertDeadLetter(tx, seq, bodyJson, reason) {
      await tx.insert(agentDeadLetters).values({ agentId, seq, bodyJson, reason });
    },
  };
}
