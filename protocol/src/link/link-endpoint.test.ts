import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from './close-codes.js';
import { durableLinkStore, enqueueMessages } from './durable-link.js';
import { LinkEndpoint, type LinkDataFrame } from './link-endpoint.js';
import type { LinkStore } from './link-store.js';
import {
  MemoryDatabase,
  MemorySocket,
  memoryLinkTables,
  quietLog,
  type MemoryHandle,
} from './test-support/memory-link.js';

/**
 * The exactly-once heart of the link, driven without processes: two endpoints over an in-memory
 * socket pair, each on the shared durable link over in-memory tables whose transactions commit or
 * roll back whole, as the databases of both sides do. What is checked is what a peer would notice:
 * every message applied once, in order, whatever is replayed, duplicated, reordered or lost
 * between apply and ack, and a process that dies in between.
 */

interface Body {
  n: number;
  pad?: string;
}

/** One side: its durable database, and what its process holds in memory until it dies. */
class Peer {
  db = new MemoryDatabase();
  /** Bodies whose apply throws, as a message the receiver cannot apply would. */
  readonly poison = new Set<number>();
  /** In-memory state that follows the database (the agent's worklist copy): set after commit. */
  seen: number[] = [];
  /** Characters of every batch read from the outbox, to see what the sender holds at once. */
  readonly readChars: number[] = [];

  get applied(): number[] {
    return this.db.state.applied;
  }
  get outbox() {
    return this.db.state.outbox;
  }
  get counters() {
    return this.db.state.counters;
  }

  /** `padChars` makes a large body, as an image with its rendition is. */
  enqueue(ns: number[], padChars = 0): Promise<number[]> {
    const bodies: Body[] = ns.map((n) => (padChars > 0 ? { n, pad: 'x'.repeat(padChars) } : { n }));
    return this.db.write((tx) => enqueueMessages(memoryLinkTables, tx, bodies));
  }

  store(): LinkStore<Body> {
    const store = durableLinkStore<MemoryHandle, MemoryHandle, Body>({
      tables: memoryLinkTables,
      db: this.db,
      write: (work) => this.db.write(work),
      apply: ({ tx, afterCommit }, body) => {
        if (this.poison.has(body.n)) return Promise.reject(new Error(`cannot apply ${body.n}`));
        tx.state.applied.push(body.n);
        afterCommit(() => this.seen.push(body.n));
        return Promise.resolve();
      },
    });
    return {
      ...store,
      readOutbox: async (afterSeq, limit) => {
        const rows = await store.readOutbox(afterSeq, limit);
        this.readChars.push(rows.reduce((sum, r) => sum + r.bodyJson.length, 0));
        return rows;
      },
    };
  }

  /** The process dies: what it held in memory is gone, its database stays. */
  restart(): void {
    this.seen = [...this.db.state.applied];
  }
}

interface Side {
  peer: Peer;
  socket: MemorySocket;
  endpoint: LinkEndpoint<Body>;
}

const live: LinkEndpoint<Body>[] = [];
afterEach(async () => {
  for (const e of live.splice(0)) await e.stop();
});

/**
 * Connects two peers as the handshake does: each replays from what the other says it applied, or
 * from its own outbox floor if that is higher.
 */
function connect(
  a: Peer,
  b: Peer,
  options: { heartbeatMs?: number; sendBatchBytes?: number; aReplaysAfter?: number } = {},
): [Side, Side] {
  const sa = new MemorySocket();
  const sb = new MemorySocket();
  sa.peer = sb;
  sb.peer = sa;
  const side = (peer: Peer, socket: MemorySocket, other: Peer): Side => {
    const endpoint = new LinkEndpoint<Body>({
      store: peer.store(),
      socket,
      log: quietLog,
      heartbeatMs: options.heartbeatMs ?? 1_000,
      peerLastReceivedSeq:
        peer === a && options.aReplaysAfter !== undefined
          ? options.aReplaysAfter
          : Math.max(other.counters.lastInSeq, peer.counters.ackedOutSeq),
      outboxPollMs: 20,
      ...(options.sendBatchBytes ? { sendBatchBytes: options.sendBatchBytes } : {}),
    });
    socket.deliver = (text) => {
      endpoint.heard();
      endpoint.onFrame(JSON.parse(text) as LinkDataFrame<Body>);
    };
    live.push(endpoint);
    return { peer, socket, endpoint };
  };
  const pair: [Side, Side] = [side(a, sa, b), side(b, sb, a)];
  for (const s of pair) s.endpoint.start();
  return pair;
}

async function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 30));

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function disconnect(sides: Side[]): Promise<void> {
  for (const s of sides) s.socket.close(1006);
  for (const s of sides) await s.endpoint.stop();
}

const msgSeq = (text: string) => /^\{"type":"msg","seq":(\d+),/.exec(text)?.[1];
const isAck = (text: string) => text.startsWith('{"type":"ack"');

/** A sender with messages 1 to `count` in its outbox, and a receiver that has applied none. */
async function sending(count: number): Promise<[Peer, Peer]> {
  const a = new Peer();
  const b = new Peer();
  await a.enqueue(range(1, count));
  return [a, b];
}

/** `count` messages sent and applied over a link that loses every ack, which then drops. */
async function appliedWithAcksLost(count: number): Promise<[Peer, Peer]> {
  const [a, b] = await sending(count);
  const first = connect(a, b);
  first[1].socket.tamper = (text) => (isAck(text) ? [] : [text]);
  await until('applied', () => b.applied.length === count);
  await settle();
  // Nothing was acknowledged, so the sender still holds every message.
  expect(a.outbox).toHaveLength(count);
  expect(a.counters.ackedOutSeq).toBe(0);
  await disconnect(first);
  return [a, b];
}

describe('LinkEndpoint over the durable link', () => {
  it('applies every message once and in order both ways, and forgets what was acknowledged', async () => {
    const [a, b] = await sending(400);
    await b.enqueue(range(1, 300));
    connect(a, b);
    await until('both applied', () => b.applied.length === 400 && a.applied.length === 300);
    expect(b.applied).toEqual(range(1, 400));
    expect(a.applied).toEqual(range(1, 300));
    await until('outboxes emptied by acks', () => a.outbox.length === 0 && b.outbox.length === 0);
    // The floor each side tells the other at the next handshake.
    expect(a.counters).toEqual({ lastOutSeq: 400, ackedOutSeq: 400, lastInSeq: 300 });
    expect(b.counters).toEqual({ lastOutSeq: 300, ackedOutSeq: 300, lastInSeq: 400 });
  });

  it('reads large messages a few at a time and small ones many at a time, all in order', async () => {
    const a = new Peer();
    const b = new Peer();
    // Forty 20 kB messages (images with renditions queued during an outage) against an 80 kB
    // budget, then 600 small ones.
    await a.enqueue(range(1, 40), 20_000);
    await a.enqueue(range(41, 640));
    connect(a, b, { sendBatchBytes: 80_000 });
    await until('all applied', () => b.applied.length === 640);
    expect(b.applied).toEqual(range(1, 640));
    // Never more than eight rows at first, and about the budget after...
    expect(Math.max(...a.readChars)).toBeLessThanOrEqual(8 * 20_100);
    expect(a.readChars.slice(1).every((chars) => chars <= 80_000 + 20_100)).toBe(true);
    // ...and the small ones are not read a few at a time: the batch grows back.
    expect(a.readChars.length).toBeLessThan(40);
  });

  it('replays from the last applied number after a reconnect, applying nothing twice', async () => {
    const [a, b] = await sending(600);
    const first = connect(a, b);
    // The connection breaks after message 300 is on the wire; what follows never arrives.
    let broken = false;
    first[0].socket.tamper = (text) => {
      if (broken) return [];
      if (msgSeq(text) === '300') broken = true;
      return [text];
    };
    await until('the first 300 applied', () => b.applied.length === 300);
    await disconnect(first);
    const second = connect(a, b);
    await until('all applied', () => b.applied.length === 600);
    expect(b.applied).toEqual(range(1, 600));
    // The replay started right after what the receiver had applied, not from the start.
    expect(msgSeq(second[0].socket.sent.find((t) => msgSeq(t) !== undefined)!)).toBe('301');
  });

  it('applies a message delivered twice (or three times) once', async () => {
    const [a, b] = await sending(50);
    const [sa] = connect(a, b);
    sa.socket.tamper = (text) => [text, text, text];
    await until('all applied', () => b.counters.lastInSeq === 50);
    await settle();
    expect(b.applied).toEqual(range(1, 50));
    expect(b.seen).toEqual(range(1, 50));
    await until('acknowledged', () => a.outbox.length === 0);
  });

  it('applies nothing out of order when a later message overtakes an earlier one, and recovers', async () => {
    const [a, b] = await sending(10);
    const first = connect(a, b);
    let held: string | null = null;
    first[0].socket.tamper = (text) => {
      // Hold message 3 back and send it after 4: the network reordered them.
      if (msgSeq(text) === '3') {
        held = text;
        return [];
      }
      if (held && msgSeq(text) === '4') return [text, held];
      return [text];
    };
    await until('gap detected', () => first[1].socket.closedWith !== null);
    expect(first[1].socket.closedWith).toBe(CloseCode.sequenceGap);
    // The sender is told why, in a frame it can log.
    expect(first[1].socket.sent.some((t) => t.includes('"code":"sequence-gap"'))).toBe(true);
    expect(b.applied).toEqual([1, 2]);
    await disconnect(first);
    connect(a, b);
    await until('all applied', () => b.applied.length === 10);
    expect(b.applied).toEqual(range(1, 10));
  });

  it('replays what was applied but never acknowledged (acks lost), without applying it twice', async () => {
    const [a, b] = await appliedWithAcksLost(20);
    // The receiver's handshake says it applied 20, so the sender does not even resend them.
    const second = connect(a, b);
    await until('acknowledged', () => a.outbox.length === 0 && a.counters.ackedOutSeq === 20);
    expect(second[0].socket.sent.filter((t) => msgSeq(t) !== undefined)).toEqual([]);
    expect(b.applied).toEqual(range(1, 20));
  });

  it('when the receiver dies between applying and acknowledging, the resent messages are not applied again', async () => {
    // The receiver crashes after its commit and before any ack left; the sender never learnt more.
    const [a, b] = await appliedWithAcksLost(20);
    b.restart();
    // The restarted receiver's handshake counter was read before that commit landed: the sender
    // replays everything it still holds.
    const [sa] = connect(a, b, { aReplaysAfter: 0 });
    await until('acknowledged', () => a.outbox.length === 0);
    expect(sa.socket.sent.filter((t) => msgSeq(t) !== undefined)).toHaveLength(20);
    expect(b.applied).toEqual(range(1, 20));
    expect(b.seen).toEqual(range(1, 20));
  });

  it('acknowledges nothing whose commit failed, and applies it once on the replay', async () => {
    const [a, b] = await sending(30);
    // Every commit that would record an incoming message fails: the disk is failing.
    b.db.failCommit = (before, after) => after.counters.lastInSeq !== before.counters.lastInSeq;
    const first = connect(a, b);
    await until('link dropped', () => first[1].socket.closedWith !== null);
    // Nothing acknowledged, nothing applied, the in-memory state untouched.
    expect(first[1].socket.closedWith).toBe(1011);
    expect(first[1].socket.sent.filter(isAck)).toEqual([]);
    expect(b.applied).toEqual([]);
    expect(b.seen).toEqual([]);
    expect(b.db.state.deadLetters).toEqual([]);
    await disconnect(first);
    b.db.failCommit = null;
    connect(a, b);
    await until('all applied', () => b.counters.lastInSeq === 30);
    expect(b.applied).toEqual(range(1, 30));
    expect(b.seen).toEqual(range(1, 30));
  });

  it('when the sender cannot forget acknowledged messages yet, the receiver skips them on the resend', async () => {
    const [a, b] = await sending(10);
    // Every write that would forget acknowledged rows fails for now.
    a.db.failCommit = (before, after) => after.outbox.length < before.outbox.length;
    const first = connect(a, b);
    await until('applied', () => b.applied.length === 10);
    await settle();
    // The ack arrived, but the sender's write to forget the rows failed: they are still queued.
    expect(a.outbox.length).toBeGreaterThan(0);
    await disconnect(first);
    a.db.failCommit = null;
    // Its next connection starts from its own floor, which did not move: the rows go out again.
    const second = connect(a, b, { aReplaysAfter: a.counters.ackedOutSeq });
    await a.enqueue([11]);
    second[0].endpoint.notifyOutbox();
    await until('all forgotten', () => a.outbox.length === 0);
    expect(b.applied).toEqual(range(1, 11));
  });

  it('keeps a message that cannot be applied as a dead letter and goes on with the rest', async () => {
    const a = new Peer();
    const b = new Peer();
    b.poison.add(7);
    await a.enqueue(range(1, 12));
    connect(a, b);
    await until('rest applied', () => b.counters.lastInSeq === 12);
    expect(b.applied).toEqual(range(1, 12).filter((n) => n !== 7));
    expect(b.db.state.deadLetters).toEqual([{ seq: 7, reason: 'Error: cannot apply 7' }]);
    await until('acknowledged', () => a.outbox.length === 0);
  });

  it('drops a link whose peer has gone silent', async () => {
    const a = new Peer();
    const b = new Peer();
    const [sa, sb] = connect(a, b, { heartbeatMs: 100 });
    // The peer stops sending anything at all: a half-open path.
    sb.socket.tamper = () => [];
    await until('dropped', () => sa.socket.closedWith !== null, 2_000);
    expect(sa.socket.closedWith).toBe(CloseCode.heartbeatTimeout);
  });
});
