import { LinkLogCode } from './log-codes.js';
import { CloseCode } from './close-codes.js';
import type { ErrorFrame } from './frames.js';
import type { InboxTransaction, LinkLogger, LinkSocket, LinkStore, OutboxRow } from './link-store.js';

export interface LinkEndpointOptions<In> {
  store: LinkStore<In>;
  socket: LinkSocket;
  log: LinkLogger;
  heartbeatMs: number;
  /** The last of our messages the peer said (in its handshake) it has applied. */
  peerLastReceivedSeq: number;
  /** How often the outbox is re-read without a local wake-up: rows written by another process. */
  outboxPollMs?: number;
  /** How many characters of outbox rows are read at once, roughly; 8 MiB unless given. */
  sendBatchBytes?: number;
  /** Extra fields for outgoing heartbeats, e.g. queue depths. */
  heartbeatExtras?: () => Record<string, unknown>;
  now?: () => number;
}

type IncomingMsg<In> = { seq: number; body: In };

/** The frames either side sends once the handshake is done. */
export type LinkDataFrame<In> =
  { type: 'msg'; seq: number; body: In } | { type: 'ack'; seq: number } | { type: 'heartbeat' } | ErrorFrame;

const SEND_BATCH = 256;
/**
 * Outbox rows are read a batch at a time, and a batch sits in memory until it is sent: rows of a
 * few megabytes (images with their renditions, after an outage) are read a few at a time, small
 * rows (worklist, probes) up to SEND_BATCH at once.
 */
const SEND_BATCH_BYTES = 8 * 1024 * 1024;
const FIRST_SEND_BATCH = 8;
const APPLY_BATCH = 512;
const HIGH_WATER_BYTES = 1024 * 1024;

/**
 * One live link, either side. Delivery is at-least-once (the outbox is replayed from the peer's last
 * received number on every connection) and the apply is idempotent (messages and their sequence
 * number are recorded in one transaction), so every message takes effect exactly once, in order.
 */
export class LinkEndpoint<In> {
  private readonly opts: Required<Omit<LinkEndpointOptions<In>, 'heartbeatExtras'>> &
    Pick<LinkEndpointOptions<In>, 'heartbeatExtras'>;
  private stopped = false;
  private outboxDirty = true;
  private wake: (() => void) | null = null;
  private readonly incoming: IncomingMsg<In>[] = [];
  private applying = false;
  private ackedUpTo: number;
  private acknowledging = false;
  private lastHeardAt: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private pumpDone: Promise<void> = Promise.resolve();

  constructor(options: LinkEndpointOptions<In>) {
    this.opts = { outboxPollMs: 250, sendBatchBytes: SEND_BATCH_BYTES, now: Date.now, ...options };
    this.ackedUpTo = options.peerLastReceivedSeq;
    this.lastHeardAt = this.opts.now();
  }

  start(): void {
    const { heartbeatMs } = this.opts;
    this.sendHeartbeat();
    this.timers.push(setInterval(() => this.sendHeartbeat(), heartbeatMs));
    // Silence for 1.5 periods means the peer (or the path to it) is gone; checking four times a
    // period keeps detection inside two periods.
    this.timers.push(setInterval(() => this.checkAlive(), Math.max(25, Math.floor(heartbeatMs / 4))));
    this.timers.push(setInterval(() => this.notifyOutbox(), this.opts.outboxPollMs));
    void this.acknowledgeStored();
    this.pumpDone = this.pump().catch((err: unknown) => {
      this.opts.log.error('link outbox reader failed; dropping the link to retry', { err: String(err) });
      this.opts.socket.close(1011, 'outbox read failed');
    });
  }

  /** Stops timers and loops; the socket is already closed or closing. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.wake?.();
    await this.pumpDone;
  }

  /** A method, not a field read, so the compiler does not assume it is unchanged across awaits. */
  isStopped(): boolean {
    return this.stopped;
  }

  /** Something was added to our outbox: send it now rather than at the next poll. */
  notifyOutbox(): void {
    this.outboxDirty = true;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Any frame counts as a sign of life. */
  heard(): void {
    this.lastHeardAt = this.opts.now();
  }

  /**
   * A frame after the handshake: messages and acks go to the exactly-once machinery and a peer's
   * error is logged; a heartbeat asks for nothing beyond `heard()`.
   */
  onFrame(frame: LinkDataFrame<In>): void {
    switch (frame.type) {
      case 'msg':
        this.onMessage(frame.seq, frame.body);
        return;
      case 'ack':
        this.onAck(frame.seq);
        return;
      case 'heartbeat':
        return;
      case 'error':
        this.onPeerError(frame);
        return;
    }
  }

  onMessage(seq: number, body: In): void {
    if (this.stopped) return;
    this.incoming.push({ seq, body });
    if (!this.applying) void this.drainIncoming();
  }

  onAck(seq: number): void {
    if (seq <= this.ackedUpTo) return;
    this.ackedUpTo = seq;
    void this.acknowledgeStored();
  }

  onPeerError(frame: ErrorFrame): void {
    this.opts.log.warn('peer reported an error in a frame we sent', {
      code: frame.code,
      message: frame.message,
    });
  }

  sendError(error: ErrorFrame): void {
    this.safeSend(JSON.stringify(error));
  }

  private sendHeartbeat(): void {
    const extras = this.opts.heartbeatExtras?.() ?? {};
    this.safeSend(JSON.stringify({ type: 'heartbeat', sentAt: this.opts.now(), ...extras }));
  }

  private checkAlive(): void {
    if (this.stopped) return;
    const silentFor = this.opts.now() - this.lastHeardAt;
    if (silentFor > this.opts.heartbeatMs * 1.5) {
      this.opts.log.warn('link silent for too long; dropping it', {
        code: LinkLogCode.silent,
        silentMs: silentFor,
      });
      this.opts.socket.terminate(`heartbeat timeout after ${silentFor} ms`);
    }
  }

  private safeSend(text: string): void {
    if (this.stopped) return;
    try {
      this.opts.socket.send(text);
    } catch (err) {
      this.opts.log.warn('send failed', { err: String(err) });
    }
  }

  /** Sends the outbox in sequence order, one reader per connection, so order on the wire is total. */
  private async pump(): Promise<void> {
    let sentUpTo = this.opts.peerLastReceivedSeq;
    let batch = FIRST_SEND_BATCH;
    while (!this.isStopped()) {
      this.outboxDirty = false;
      const rows: OutboxRow[] = await this.opts.store.readOutbox(sentUpTo, batch);
      batch = nextSendBatch(batch, rows, this.opts.sendBatchBytes);
      if (this.isStopped()) return;
      if (rows.length === 0) {
        await this.waitForWork();
        continue;
      }
      for (const row of rows) {
        this.safeSend(`{"type":"msg","seq":${row.seq},"body":${row.bodyJson}}`);
        sentUpTo = row.seq;
      }
      while (!this.isStopped() && this.opts.socket.bufferedAmount() > HIGH_WATER_BYTES) {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }

  private waitForWork(): Promise<void> {
    if (this.outboxDirty || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private async acknowledgeStored(): Promise<void> {
    if (this.acknowledging) return;
    this.acknowledging = true;
    try {
      let done = -1;
      while (done < this.ackedUpTo) {
        const target = this.ackedUpTo;
        await this.opts.store.acknowledge(target);
        done = target;
      }
    } catch (err) {
      // The rows stay in the outbox and are resent; the receiver ignores what it already applied.
      this.opts.log.warn('could not forget acknowledged outbox rows yet', { err: String(err) });
    } finally {
      this.acknowledging = false;
    }
  }

  private async drainIncoming(): Promise<void> {
    this.applying = true;
    try {
      while (!this.isStopped() && this.incoming.length > 0) {
        const batch = this.incoming.splice(0, APPLY_BATCH);
        const result = await this.applyBatch(batch);
        if (result.gapAt !== null) {
          this.opts.log.error('sequence gap from peer; dropping the link to resynchronise', {
            code: LinkLogCode.sequenceGap,
            expected: result.lastApplied + 1,
            got: result.gapAt,
          });
          this.sendError({
            type: 'error',
            code: 'sequence-gap',
            message: `expected ${result.lastApplied + 1}`,
          });
          this.opts.socket.close(CloseCode.sequenceGap, 'sequence gap');
          this.incoming.length = 0;
          return;
        }
        this.safeSend(`{"type":"ack","seq":${result.lastApplied}}`);
        this.notifyOutbox();
      }
    } catch (err) {
      // Nothing was recorded, so nothing is acknowledged: the peer replays after reconnecting.
      this.opts.log.error('could not apply incoming messages; dropping the link', { err: String(err) });
      this.incoming.length = 0;
      this.opts.socket.close(1011, 'apply failed');
    } finally {
      this.applying = false;
    }
  }

  /**
   * Applies a batch in one transaction. If any message in it throws, the batch is rolled back and
   * retried one message at a time, so only the faulty message is set aside as a dead letter.
   */
  private async applyBatch(batch: IncomingMsg<In>[]): Promise<{ lastApplied: number; gapAt: number | null }> {
    try {
      return await this.opts.store.inboxTransaction((tx) => applyInOrder(tx, batch));
    } catch (batchErr) {
      if (batch.length === 1) return this.deadLetter(batch[0]!, batchErr);
      let result = { lastApplied: 0, gapAt: null as number | null };
      for (const msg of batch) {
        try {
          result = await this.opts.store.inboxTransaction((tx) => applyInOrder(tx, [msg]));
        } catch (err) {
          result = await this.deadLetter(msg, err);
        }
        if (result.gapAt !== null) return result;
      }
      return result;
    }
  }

  private async deadLetter(
    msg: IncomingMsg<In>,
    err: unknown,
  ): Promise<{ lastApplied: number; gapAt: number | null }> {
    this.opts.log.error('message could not be applied; kept as a dead letter', {
      seq: msg.seq,
      err: String(err),
    });
    return this.opts.store.inboxTransaction(async (tx) => {
      const last = await tx.lastAppliedSeq();
      if (msg.seq <= last) return { lastApplied: last, gapAt: null };
      if (msg.seq !== last + 1) return { lastApplied: last, gapAt: msg.seq };
      await tx.deadLetter(msg.seq, msg.body, String(err));
      await tx.recordApplied(msg.seq);
      return { lastApplied: msg.seq, gapAt: null };
    });
  }
}

/** The next batch size: cut towards `budget` after large rows, doubled after small ones. */
function nextSendBatch(batch: number, rows: OutboxRow[], budget: number): number {
  let chars = 0;
  for (const row of rows) chars += row.bodyJson.length;
  if (chars > budget) return Math.max(1, Math.floor((batch * budget) / chars));
  return rows.length === batch && chars * 2 <= budget ? Math.min(SEND_BATCH, batch * 2) : batch;
}

async function applyInOrder<In>(
  tx: InboxTransaction<In>,
  batch: IncomingMsg<In>[],
): Promise<{ lastApplied: number; gapAt: number | null }> {
  const start = await tx.lastAppliedSeq();
  let last = start;
  let gapAt: number | null = null;
  for (const msg of batch) {
    if (msg.seq <= last) continue; // a replay of something already applied
    if (msg.seq !== last + 1) {
      gapAt = msg.seq;
      break;
    }
    await tx.apply(msg.seq, msg.body);
    last = msg.seq;
  }
  if (last !== start) await tx.recordApplied(last);
  return { lastApplied: last, gapAt };
}
