import { describe, expect, it } from 'vitest';
import { durableLinkStore, enqueueMessages, realignCounters } from './durable-link.js';
import { inboxAfterHandshake } from './handshake.js';
import { MemoryDatabase, memoryLinkTables, type MemoryHandle } from './test-support/memory-link.js';

/**
 * The outbox bookkeeping both sides share, over in-memory tables: the numbers a peer receives are
 * gapless and rise by one whatever the senders' transactions did, and the counters a side shows in
 * its handshake say what was really applied and acknowledged.
 */

const enqueue = (db: MemoryDatabase, bodies: unknown[]) =>
  db.write((tx) => enqueueMessages(memoryLinkTables, tx, bodies));

function storeOn(db: MemoryDatabase) {
  return durableLinkStore<MemoryHandle, MemoryHandle, { n: number }>({
    tables: memoryLinkTables,
    db,
    write: (work) => db.write(work),
    apply: ({ tx }, body) => {
      tx.state.applied.push(body.n);
      return Promise.resolve();
    },
  });
}

describe('enqueueMessages', () => {
  it('numbers messages one after another across transactions, in as many inserts as the tables allow', async () => {
    const db = new MemoryDatabase();
    expect(await enqueue(db, [{ n: 1 }, { n: 2 }])).toEqual([1, 2]);
    // More rows than one insert takes (7 here): split, still numbered in order.
    const many = Array.from({ length: 20 }, (_, i) => ({ n: i + 3 }));
    expect(await enqueue(db, many)).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
    expect(await enqueue(db, [])).toEqual([]);
    expect(db.state.outbox.map((r) => r.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    expect(JSON.parse(db.state.outbox[21]!.bodyJson)).toEqual({ n: 22 });
    expect(db.state.counters.lastOutSeq).toBe(22);
  });

  it('leaves no gap when the transaction that enqueued is rolled back', async () => {
    const db = new MemoryDatabase();
    await enqueue(db, [{ n: 1 }]);
    // The change that caused the message fails after enqueueing: neither is kept.
    await expect(
      db.write(async (tx) => {
        await enqueueMessages(memoryLinkTables, tx, [{ n: 2 }]);
        throw new Error('the order could not be saved');
      }),
    ).rejects.toThrow('the order could not be saved');
    expect(await enqueue(db, [{ n: 3 }])).toEqual([2]);
    expect(db.state.outbox.map((r) => [r.seq, r.bodyJson])).toEqual([
      [1, '{"n":1}'],
      [2, '{"n":3}'],
    ]);
  });
});

describe('durableLinkStore', () => {
  it('forgets acknowledged rows and keeps the highest acknowledged number, whatever order acks are handled in', async () => {
    const db = new MemoryDatabase();
    await enqueue(
      db,
      Array.from({ length: 10 }, (_, i) => ({ n: i + 1 })),
    );
    const store = storeOn(db);
    await store.acknowledge(6);
    await store.acknowledge(4);
    expect(db.state.outbox.map((r) => r.seq)).toEqual([7, 8, 9, 10]);
    expect(db.state.counters.ackedOutSeq).toBe(6);
    expect((await store.readOutbox(7, 2)).map((r) => r.seq)).toEqual([8, 9]);
  });

  it('records the number of what it applied in the same transaction, and nothing of a failed one', async () => {
    const db = new MemoryDatabase();
    const store = storeOn(db);
    await store.inboxTransaction(async (tx) => {
      await tx.apply(1, { n: 1 });
      await tx.recordApplied(1);
    });
    await expect(
      store.inboxTransaction(async (tx) => {
        await tx.apply(2, { n: 2 });
        await tx.recordApplied(2);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect(db.state.applied).toEqual([1]);
    expect(await store.inboxTransaction((tx) => tx.lastAppliedSeq())).toBe(1);
  });
});

describe('realignCounters', () => {
  it('after a restore, takes what the peer already had acknowledged as applied and numbers above what it received', async () => {
    const db = new MemoryDatabase();
    await enqueue(db, [{ n: 1 }, { n: 2 }]);
    // A backup from before: the peer has since acknowledged up to our 5 and sent us up to its 9.
    const { advanceTo } = inboxAfterHandshake(db.state.counters.lastInSeq, 9);
    const after = await db.write((tx) =>
      realignCounters(memoryLinkTables, tx, { inboxTo: advanceTo ?? undefined, outboxTo: 5 }),
    );
    expect(after).toEqual({ lastOutSeq: 5, ackedOutSeq: 5, lastInSeq: 9 });
    // The next message is 6, so the peer does not take it for a replay of one it has.
    expect(await enqueue(db, [{ n: 3 }])).toEqual([6]);
  });

  it('never moves a counter back', async () => {
    const db = new MemoryDatabase();
    await enqueue(db, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await db.write((tx) => realignCounters(memoryLinkTables, tx, { inboxTo: 4 }));
    const after = await db.write((tx) => realignCounters(memoryLinkTables, tx, { inboxTo: 2, outboxTo: 1 }));
    expect(after).toEqual({ lastOutSeq: 3, ackedOutSeq: 0, lastInSeq: 4 });
  });
});
