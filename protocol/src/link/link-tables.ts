import type { OutboxRow } from './link-store.js';

/** One side's record of its link to one peer. */
export interface LinkCounters {
  /** The last sequence number given to one of our messages. */
  lastOutSeq: number;
  /** Everything of ours up to here the peer has applied; gone from our outbox. */
  ackedOutSeq: number;
  /** The last of the peer's messages we applied. */
  lastInSeq: number;
}

/**
 * The statements the durable link needs from one side's database, for one peer: the plugin writes
 * them over its per-agent tables, the agent over its single link row. Sequence numbers, replay and
 * acknowledgement are decided in `durable-link.ts`; an implementation only reads and writes.
 * `Tx` is a write transaction, `Db` the database outside one (a `Tx` may be passed where a `Db` is
 * read, so reads inside a transaction see its own writes).
 */
export interface LinkTables<Tx, Db> {
  /** Rows per outbox insert: SQLite limits the bound parameters of one statement. */
  readonly insertChunk: number;
  /** The counters, all 0 before the first message either way. */
  readCounters(db: Db | Tx): Promise<LinkCounters>;
  /** Adds `count` to `lastOutSeq` in one statement and returns the new value. */
  advanceLastOutSeq(tx: Tx, count: number): Promise<number>;
  insertOutbox(tx: Tx, rows: readonly OutboxRow[]): Promise<void>;
  /** Rows numbered above `afterSeq`, lowest first. */
  readOutbox(db: Db, afterSeq: number, limit: number): Promise<OutboxRow[]>;
  deleteOutboxUpTo(tx: Tx, upToSeq: number): Promise<void>;
  countOutbox(db: Db): Promise<number>;
  /** Sets `ackedOutSeq` to `seq` unless it is already higher (acks may be handled out of order). */
  raiseAckedOutSeq(tx: Tx, seq: number): Promise<void>;
  writeCounters(tx: Tx, values: Partial<LinkCounters>): Promise<void>;
  insertDeadLetter(tx: Tx, seq: number, bodyJson: string, reason: string): Promise<void>;
}
