import type { InboxTransaction, LinkStore, OutboxRow } from './link-store.js';
import type { LinkCounters, LinkTables } from './link-tables.js';

/**
 * Puts messages for the peer into the outbox inside the caller's transaction, so the change that
 * caused them and the messages commit together, or neither does. Numbers are taken from the
 * counter in the same transaction: a rolled-back enqueue leaves no gap the peer would stop at.
 */
export async function enqueueMessages<Tx, Db>(
  tables: LinkTables<Tx, Db>,
  tx: Tx,
  bodies: readonly unknown[],
): Promise<number[]> {
  if (bodies.length === 0) return [];
  const last = await tables.advanceLastOutSeq(tx, bodies.length);
  const first = last - bodies.length + 1;
  const rows: OutboxRow[] = bodies.map((body, i) => ({ seq: first + i, bodyJson: JSON.stringify(body) }));
  for (let i = 0; i < rows.length; i += tables.insertChunk) {
    await tables.insertOutbox(tx, rows.slice(i, i + tables.insertChunk));
  }
  return rows.map((r) => r.seq);
}

/** Forgets the messages the peer has applied and remembers how far that goes (the outbox floor). */
export async function forgetAcknowledged<Tx, Db>(
  tables: LinkTables<Tx, Db>,
  tx: Tx,
  upToSeq: number,
): Promise<void> {
  await tables.deleteOutboxUpTo(tx, upToSeq);
  await tables.raiseAckedOutSeq(tx, upToSeq);
}

/** What applying one incoming message may use, inside the transaction that records its number. */
export interface ApplyContext<Tx> {
  tx: Tx;
  seq: number;
  /** Runs once the transaction has committed; dropped if it rolls back. */
  afterCommit: (effect: () => void) => void;
}

export interface DurableLinkOptions<Tx, Db, In> {
  tables: LinkTables<Tx, Db>;
  db: Db;
  /** One write transaction; resolves once it has committed. */
  write: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
  apply: (ctx: ApplyContext<Tx>, body: In) => Promise<void>;
}

/**
 * The endpoint's store over one side's tables: the outbox read in order for replay, acknowledged
 * rows forgotten, and every incoming message applied in the same transaction that records its
 * number, so a replayed or duplicated message is recognised by that number and skipped.
 */
export function durableLinkStore<Tx, Db, In>(options: DurableLinkOptions<Tx, Db, In>): LinkStore<In> {
  const { tables, db, write, apply } = options;
  return {
    readOutbox: (afterSeq, limit) => tables.readOutbox(db, afterSeq, limit),
    acknowledge: (upToSeq) => write((tx) => forgetAcknowledged(tables, tx, upToSeq)),
    inboxTransaction: async (work) => {
      const effects: (() => void)[] = [];
      const result = await write((tx) => {
        const inbox: InboxTransaction<In> = {
          lastAppliedSeq: async () => (await tables.readCounters(tx)).lastInSeq,
          apply: (seq, body) => apply({ tx, seq, afterCommit: (effect) => effects.push(effect) }, body),
          recordApplied: (seq) => tables.writeCounters(tx, { lastInSeq: seq }),
          deadLetter: (seq, body, reason) => tables.insertDeadLetter(tx, seq, JSON.stringify(body), reason),
        };
        return work(inbox);
      });
      // Only now is the change durable; a rolled-back batch leaves in-memory state untouched.
      for (const effect of effects) effect();
      return result;
    },
  };
}

/**
 * Brings this side's counters in line with a peer whose handshake shows that this database was
 * restored or replaced: messages the peer already had acknowledged are taken as applied (the
 * domain resynchronisation repairs their content), and numbering continues above what the peer
 * says it received, so new messages are not taken for replays. Returns the counters after.
 */
export async function realignCounters<Tx, Db>(
  tables: LinkTables<Tx, Db>,
  tx: Tx,
  change: { inboxTo?: number; outboxTo?: number },
): Promise<LinkCounters> {
  const before = await tables.readCounters(tx);
  const values: Partial<LinkCounters> = {};
  if (change.inboxTo !== undefined && change.inboxTo > before.lastInSeq) values.lastInSeq = change.inboxTo;
  if (change.outboxTo !== undefined && change.outboxTo > before.lastOutSeq) {
    values.lastOutSeq = change.outboxTo;
    values.ackedOutSeq = change.outboxTo;
  }
  if (Object.keys(values).length > 0) await tables.writeCounters(tx, values);
  return { ...before, ...values };
}
