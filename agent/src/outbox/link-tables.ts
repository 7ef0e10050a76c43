import { asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { LinkCounters, LinkTables } from '@lightbox/protocol';
import type { AgentDb, AgentTx } from '../db/agent-database.js';
import { deadLetters, linkState, outbox } from '../db/schema.js';

const ROW = eq(linkState.id, 1);

/** The agent's one link, to its plugin, on the journal: the single `link_state` row (made at open). */
export const pluginLinkTables: LinkTables<AgentTx, AgentDb> = {
  insertChunk: 300,

  async readCounters(db) {
    const [row] = await db.select().from(linkState).where(ROW);
    return {
      lastOutSeq: row?.lastOutSeq ?? 0,
      ackedOutSeq: row?.ackedOutSeq ?? 0,
      lastInSeq: row?.lastInSeq ?? 0,
    };
  },

  async advanceLastOutSeq(tx, count) {
    const [state] = await tx
      .update(linkState)
      .set({ lastOutSeq: sql`${linkState.lastOutSeq} + ${count}` })
      .where(ROW)
      .returning({ lastOutSeq: linkState.lastOutSeq });
    return state!.lastOutSeq;
  },

  async insertOutbox(tx, rows) {
    await tx.insert(outbox).values([...rows]);
  },

  readOutbox(db, afterSeq, limit) {
    return db
      .select({ seq: outbox.seq, bodyJson: outbox.bodyJson })
      .from(outbox)
      .where(gt(outbox.seq, afterSeq))
      .orderBy(asc(outbox.seq))
      .limit(limit);
  },

  async deleteOutboxUpTo(tx, upToSeq) {
    await tx.delete(outbox).where(lte(outbox.seq, upToSeq));
  },

  async countOutbox(db) {
    const [row] = await db.select({ n: sql<number>`count(*)` }).from(outbox);
    return row?.n ?? 0;
  },

  async raiseAckedOutSeq(tx, seq) {
    await tx
      .update(linkState)
      .set({ ackedOutSeq: sql`max(${linkState.ackedOutSeq}, ${seq})` })
      .where(ROW);
  },

  async writeCounters(tx, values: Partial<LinkCounters>) {
    await tx.update(linkState).set(values).where(ROW);
  },

  async insertDeadLetter(tx, seq, bodyJson, reason) {
    await tx.insert(deadLetters).values({ seq, bodyJson, reason });
  },
};
