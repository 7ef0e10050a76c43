import { describe, expect, it } from 'vitest';
import { PendingInstanceScan } from './pending-instance-scan.js';

/** A table of stored rows by rowid, some done; the query is what the workers' left joins return. */
function table(rows: number, done: number[] = []) {
  const state = { rows, done: new Set(done), readFrom: [] as number[] };
  const scan = new PendingInstanceScan<{ id: number }>((after, limit) => {
    state.readFrom.push(after);
    const out: { id: number; rowid: number }[] = [];
    for (let r = after + 1; r <= state.rows && out.length < limit; r++)
      if (!state.done.has(r)) out.push({ id: r, rowid: r });
    return Promise.resolve(out);
  });
  return { state, scan };
}

describe('PendingInstanceScan', () => {
  it('finds pending rows oldest first and never reads finished ones again', async () => {
    const { state, scan } = table(10, [1, 2, 3, 5]);
    expect((await scan.next(2)).map((r) => r.id)).toEqual([4, 6]);
    state.done.add(4);
    state.done.add(6);
    scan.rewind();
    expect((await scan.next(2)).map((r) => r.id)).toEqual([7, 8]);
    // The second read started below the first pending row of the first read, not at the start.
    expect(state.readFrom).toEqual([0, 3]);
  });

  it('continues after claimed rows until rewound, then finds the unfinished ones again', async () => {
    const { state, scan } = table(6);
    expect((await scan.next(2)).map((r) => r.id)).toEqual([1, 2]);
    expect((await scan.next(2)).map((r) => r.id)).toEqual([3, 4]);
    state.done.add(1);
    state.done.add(3);
    // Rows 2 and 4 were claimed but not finished (a failed pass): a rewind finds them again.
    scan.rewind();
    expect((await scan.next(10)).map((r) => r.id)).toEqual([2, 4, 5, 6]);
  });

  it('sees rows stored after an empty read', async () => {
    const { state, scan } = table(2, [1, 2]);
    expect(await scan.next(5)).toEqual([]);
    state.rows = 3;
    expect((await scan.next(5)).map((r) => r.id)).toEqual([3]);
  });
});
