import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

describe('rows committed together', () => {
  it('commits a lone row at once, and the rows that queued meanwhile in one batch', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const group = new GroupCommit<number>(async (rows) => {
      batches.push(rows);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = group.add(1);
    const rest = [group.add(2), group.add(3), group.add(4)];
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('fails only the row that cannot be written, not its neighbours', async () => {
    const committed: number[] = [];
    let release: () => void = () => undefined;
    let calls = 0;
    const group = new GroupCommit<number>(async (rows) => {
      if (calls++ === 0) await new Promise<void>((r) => (release = r));
      if (rows.includes(13)) throw new Error('constraint failed');
      committed.push(...rows);
    });
    const first = group.add(1);
    const results = Promise.allSettled([group.add(12), group.add(13), group.add(14)]);
    release();
    await first;
    expect((await results).map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committed).toEqual([1, 12, 14]);
  });
});
