import { CloseCode } from '../close-codes.js';
import type { LinkLogger, LinkSocket, OutboxRow } from '../link-store.js';
import type { LinkCounters, LinkTables } from '../link-tables.js';

/** Everything one side keeps durably: link counters and rows, and the state its messages change. */
export interface MemoryState {
  counters: LinkCounters;
  outbox: OutboxRow[];
  deadLetters: { seq: number; reason: string }[];
  /** The receiver's domain state: the `n` of every message applied, in the order applied. */
  applied: number[];
}

function copy(s: MemoryState): MemoryState {
  return {
    counters: { ...s.counters },
    outbox: [...s.outbox],
    deadLetters: [...s.deadLetters],
    applied: [...s.applied],
  };
}

/**
 * A database in memory with the guarantees the real ones give: one writer at a time, and a write
 * transaction that commits whole or not at all. `failCommit` makes chosen commits fail, as a
 * crash or a full disk would: the work ran, nothing of it is kept.
 */
/** A database or a transaction on it: reads and writes go to `state`. */
export interface MemoryHandle {
  state: MemoryState;
}

export class MemoryDatabase implements MemoryHandle {
  state: MemoryState = {
    counters: { lastOutSeq: 0, ackedOutSeq: 0, lastInSeq: 0 },
    outbox: [],
    deadLetters: [],
    applied: [],
  };
  /** Given the state before and the state the transaction would commit; true fails the commit. */
  failCommit: ((before: MemoryState, after: MemoryState) => boolean) | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  write<T>(work: (tx: MemoryHandle) => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      const staged = copy(this.state);
      const result = await work({ state: staged });
      if (this.failCommit?.(this.state, staged)) throw new Error('commit failed');
      this.state = staged;
      return result;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** The link tables in memory; a transaction and the database look alike. */
export const memoryLinkTables: LinkTables<MemoryHandle, MemoryHandle> = {
  insertChunk: 7,
  readCounters: (db) => Promise.resolve({ ...db.state.counters }),
  advanceLastOutSeq: (tx, count) => Promise.resolve((tx.state.counters.lastOutSeq += count)),
  insertOutbox: (tx, rows) => {
    if (rows.length > memoryLinkTables.insertChunk) throw new Error('too many rows for one statement');
    tx.state.outbox.push(...rows);
    return Promise.resolve();
  },
  readOutbox: (db, afterSeq, limit) =>
    Promise.resolve(
      db.state.outbox
        .filter((r) => r.seq > afterSeq)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, limit),
    ),
  deleteOutboxUpTo: (tx, upToSeq) => {
    tx.state.outbox = tx.state.outbox.filter((r) => r.seq > upToSeq);
    return Promise.resolve();
  },
  countOutbox: (db) => Promise.resolve(db.state.outbox.length),
  raiseAckedOutSeq: (tx, seq) => {
    tx.state.counters.ackedOutSeq = Math.max(tx.state.counters.ackedOutSeq, seq);
    return Promise.resolve();
  },
  writeCounters: (tx, values) => {
    Object.assign(tx.state.counters, values);
    return Promise.resolve();
  },
  insertDeadLetter: (tx, seq, _bodyJson, reason) => {
    tx.state.deadLetters.push({ seq, reason });
    return Promise.resolve();
  },
};

export const quietLog: LinkLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** One side's socket: frames reach the peer asynchronously, in order, until either side closes. */
export class MemorySocket implements LinkSocket {
  peer!: MemorySocket;
  deliver: (text: string) => void = () => undefined;
  open = true;
  closedWith: number | null = null;
  /** Every frame sent, as text, whatever `tamper` did with it. */
  readonly sent: string[] = [];
  /** Rewrites or drops outgoing frames, to play a faulty network. */
  tamper: (text: string) => string[] = (text) => [text];

  send(text: string): void {
    if (!this.open) throw new Error('socket closed');
    this.sent.push(text);
    for (const frame of this.tamper(text)) {
      setImmediate(() => {
        if (this.peer.open) this.peer.deliver(frame);
      });
    }
  }
  bufferedAmount(): number {
    return 0;
  }
  close(code: number): void {
    this.closedWith ??= code;
    this.open = false;
    this.peer.open = false;
  }
  terminate(): void {
    this.close(CloseCode.heartbeatTimeout);
  }
}
