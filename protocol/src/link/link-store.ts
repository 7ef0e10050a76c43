/** A message waiting in the sender's outbox; the body stays as the JSON text it was stored as. */
export interface OutboxRow {
  seq: number;
  bodyJson: string;
}

/** What a receiver may do inside the one transaction that applies messages and records their numbers. */
export interface InboxTransaction<In> {
  lastAppliedSeq(): Promise<number>;
  apply(seq: number, body: In): Promise<void>;
  recordApplied(seq: number): Promise<void>;
  /** Keeps a message that cannot be applied, so it is never lost and never blocks the link. */
  deadLetter(seq: number, body: In, reason: string): Promise<void>;
}

/** The durable side of one direction pair, implemented by each process on its own database. */
export interface LinkStore<In> {
  readOutbox(afterSeq: number, limit: number): Promise<OutboxRow[]>;
  /** Forgets outbox rows the peer has applied. */
  acknowledge(upToSeq: number): Promise<void>;
  inboxTransaction<T>(work: (tx: InboxTransaction<In>) => Promise<T>): Promise<T>;
}

/** The socket as the endpoint needs it; each side adapts its WebSocket to this. */
export interface LinkSocket {
  send(text: string): void;
  bufferedAmount(): number;
  close(code: number, reason: string): void;
  /** Drops a link that no longer answers, without waiting for a closing handshake. */
  terminate(reason: string): void;
}

export interface LinkLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}
