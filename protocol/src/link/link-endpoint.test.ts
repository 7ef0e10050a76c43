import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from './close-codes.js';
import { LinkEndpoint } from './link-endpoint.js';
import type { InboxTransaction, LinkLogger, LinkSocket, LinkStore, OutboxRow } from './link-store.js';

/**
 * The exactly-once heart of the link, driven without processes: two endpoints over an in-memory
 * socket pair, each on an in-memory store whose inbox transactions commit or roll back whole, as the
 * databases of both sides do. What is checked is what a peer would notice: every message applied
 * once, in order, whatever is replayed, duplicated, reordered or lost between apply and ack.
 */

interface Body {
  n: number;
}

class MemoryStore implements LinkStore<Body> {
  outbox: OutboxRow[] = [];
  lastOut = 0;
  applied: number[] = [];
  lastApplied = 0;
  deadLetters: { seq: number; reason: string }[] = [];
  /** Makes `apply` throw for these bodies, as a message the receiver cannot apply would. */
  poison = new Set<number>();

  /** Characters of every batch read from the outbox, to see what the sender holds at once. */
  readChars: number[] = [];

  /** `padChars` makes a large body, as an image with its rendition is. */
  enqueue(n: number, padChars = 0): void {
    const body = padChars > 0 ? { n, pad: 'x'.repeat(padChars) } : { n };
    this.outbox.push({ seq: ++this.lastOut, bodyJson: JSON.stringify(body) });
  }

  readOutbox(afterSeq: number, limit: number): Promise<OutboxRow[]> {
    const rows = this.outbox.filter((r) => r.seq > afterSeq).slice(0, limit);
    this.readChars.push(rows.reduce((sum, r) => sum + r.bodyJson.length, 0));
    return Promise.resolve(rows);
  }

  acknowledge(upToSeq: number): Promise<void> {
    this.outbox = this.outbox.filter((r) => r.seq > upToSeq);
    return Promise.resolve();
  }

  async inboxTransaction<T>(work: (tx: InboxTransaction<Body>) => Promise<T>): Promise<T> {
    // Staged copies: a throw anywhere in `work` leaves the store as it was.
    const staged = { applied: [...this.applied], last: this.lastApplied, dead: [...this.deadLetters] };
    const result = await work({
      lastAppliedSeq: () => Promise.resolve(staged.last),
      apply: (_seq, body) => {
        if (this.poison.has(body.n)) return Promise.reject(new Error(`cannot apply ${body.n}`));
        staged.applied.push(body.n);
        return Promise.resolve();
      },
      recordApplied: (seq) => {
        staged.last = seq;
        return Promise.resolve();
      },
      deadLetter: (seq, _body, reason) => {
        staged.dead.push({ seq, reason });
        return Promise.resolve();
      },
    });
    this.applied = staged.applied;
    this.lastApplied = staged.last;
    this.deadLetters = staged.dead;
    return result;
  }
}

const quiet: LinkLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** One side's socket: frames reach the peer asynchronously, in order, until either side closes. */
class MemorySocket implements LinkSocket {
  peer!: MemorySocket;
  deliver: (text: string) => void = () => undefined;
  open = true;
  closedWith: number | null = null;
  /** Rewrites or drops outgoing frames, to play a faulty network. */
  tamper: (text: string) => string[] = (text) => [text];

  send(text: string): void {
    if (!this.open) throw new Error('socket closed');
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

interface Side {
  store: MemoryStore;
  socket: MemorySocket;
  endpoint: LinkEndpoint<Body>;
}

const live: LinkEndpoint<Body>[] = [];
afterEach(async () => {
  for (const e of live.splice(0)) await e.stop();
});

/** Connects two stores as a handshake would: each replays from what the other says it applied. */
function connect(a: MemoryStore, b: MemoryStore, heartbeatMs = 1_000): [Side, Side] {
  const sa = new MemorySocket();
  const sb = new MemorySocket();
  sa.peer = sb;
  sb.peer = sa;
  const side = (store: MemoryStore, socket: MemorySocket, peer: MemoryStore): Side => {
    const endpoint = new LinkEndpoint<Body>({
      store,
      socket,
      log: quiet,
      heartbeatMs,
      peerLastReceivedSeq: peer.lastApplied,
      outboxPollMs: 20,
    });
    socket.deliver = (text) => {
      const frame = JSON.parse(text) as { type: string; seq?: number; body?: Body };
      endpoint.heard();
      if (frame.type === 'msg') endpoint.onMessage(frame.seq!, frame.body!);
      if (frame.type === 'ack') endpoint.onAck(frame.seq!);
    };
    live.push(endpoint);
    return { store, socket, endpoint };
  };
  const pair: [Side, Side] = [side(a, sa, b), side(b, sb, a)];
  for (const s of pair) s.endpoint.start();
  return pair;
}

async function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function disconnect(sides: Side[]): Promise<void> {
  for (const s of sides) s.socket.close(1006);
  for (const s of sides) await s.endpoint.stop();
}

describe('LinkEndpoint', () => {
  it('applies every message once and in order both ways, and forgets what was acknowledged', async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    for (const n of range(1, 700)) a.enqueue(n);
    for (const n of range(1, 300)) b.enqueue(n);
    connect(a, b);
    await until('both applied', () => b.applied.length === 700 && a.applied.length === 300);
    expect(b.applied).toEqual(range(1, 700));
    expect(a.applied).toEqual(range(1, 300));
    await until('outboxes emptied by acks', () => a.outbox.length === 0 && b.outbox.length === 0);
  });

  it('reads large messages a few at a time and small ones many at a time, all in order', async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    // Forty 2 MB messages (images with renditions queued during an outage), then 600 small ones.
    for (const n of range(1, 40)) a.enqueue(n, 2_000_000);
    for (const n of range(41, 640)) a.enqueue(n);
    connect(a, b);
    await until('all applied', () => b.applied.length === 640, 20_000);
    expect(b.applied).toEqual(range(1, 640));
    // Never more than about 8 MB read at once (the first read takes eight rows, whatever their size)...
    expect(Math.max(...a.readChars)).toBeLessThanOrEqual(8 * 2_000_100);
    expect(a.readChars.slice(1).every((chars) => chars <= 8 * 1024 * 1024 + 2_000_100)).toBe(true);
    // ...and the small ones are not read eight at a time: the batch grows back.
    const reads = a.readChars.length;
    expect(reads).toBeLessThan(40);
  });

  it('replays from the last applied number after a reconnect, applying nothing twice', async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    for (const n of range(1, 2_000)) a.enqueue(n);
    const first = connect(a, b);
    // The connection breaks after message 300 is on the wire; what follows never arrives.
    let broken = false;
    first[0].socket.tamper = (text) => {
      if (broken) return [];
      if (text.includes('"seq":300,')) broken = true;
      return [text];
    };
    await until('the first 300 applied', () => b.applied.length === 300);
    await disconnect(first);
    connect(a, b);
    await until('all applied', () => b.applied.length === 2_000);
    expect(b.applied).toEqual(range(1, 2_000));
  });

  it('ignores duplicated frames', async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    for (const n of range(1, 50)) a.enqueue(n);
    const [sa] = connect(a, b);
    sa.socket.tamper = (text) => [text, text, text];
    await until('all applied', () => b.applied.length >= 50);
    await new Promise((r) => setTimeout(r, 50));
    expect(b.applied).toEqual(range(1, 50));
  });

  it('drops the link on a reordered frame, applies nothing out of order, and recovers on reconnect', async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    for (const n of range(1, 10)) a.enqueue(n);
    const first = connect(a, b);
    let held: string | null = null;
    first[0].socket.tamper = (text) => {
      // Hold message 3 back and send it after 4: the network reordered them.
      if (text.includes('"seq":3,')) {
        held = text;
        return [];
      }
      if (held && text.includes('"seq":4,')) return [text, held];
      return [text];
    };
    await until('gap detected', () => first[1].socket.closedWith !== null);
    expect(first[1].socket.closedWith).toBe(CloseCode.sequenceGap);
    expect(b.applied).toEqual([1, 2]);
    await disconnect(first);
    connect(a, b);
    await until('all applied', () => b.applied.length === 10);
    expect(b.applied).toEqual(range(1, 10));
  });

  it('applies once when the link dies between the apply and the ack', async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    for (const n of range(1, 20)) a.enqueue(n);
    const first = connect(a, b);
    // Every ack from the receiver is lost, as if it crashed right after committing.
    first[1].socket.tamper = (text) => (text.includes('"type":"ack"') ? [] : [text]);
    await until('applied', () => b.applied.length === 20);
    expect(a.outbox).toHaveLength(20);
    await disconnect(first);
    // The sender replays all 20 on the next connection; the receiver skips them and acks.
    const second = connect(a, b);
    second[0].endpoint.notifyOutbox();
    await until('acknowledged', () => a.outbox.length === 0);
    expect(b.applied).toEqual(range(1, 20));
  });

  it('keeps a message that cannot be applied as a dead letter and goes on with the rest', async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    b.poison.add(7);
    for (const n of range(1, 12)) a.enqueue(n);
    connect(a, b);
    await until('rest applied', () => b.lastApplied === 12);
    expect(b.applied).toEqual(range(1, 12).filter((n) => n !== 7));
    expect(b.deadLetters).toEqual([{ seq: 7, reason: 'Error: cannot apply 7' }]);
    await until('acknowledged', () => a.outbox.length === 0);
  });

  it('drops a link whose peer has gone silent', async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    const [sa, sb] = connect(a, b, 100);
    // The peer stops sending anything at all: a half-open path.
    sb.socket.tamper = () => [];
    await until('dropped', () => sa.socket.closedWith !== null, 2_000);
    expect(sa.socket.closedWith).toBe(CloseCode.heartbeatTimeout);
  });
});
