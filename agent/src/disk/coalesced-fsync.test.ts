import { describe, expect, it } from 'vitest';
import { CoalescedFsync } from './coalesced-fsync.js';

/** An fsync the test finishes by hand, recording when each one started. */
function manualFsync() {
  const started: { path: string; finish: () => void }[] = [];
  const fsync = (path: string) =>
    new Promise<void>((resolve) => {
      started.push({ path, finish: resolve });
    });
  return { started, fsync };
}

describe('fsyncs shared by the changes that land together', () => {
  it('gives a change made while an fsync runs a fresh fsync, shared by all such changes', async () => {
    const { started, fsync } = manualFsync();
    const sync = new CoalescedFsync(fsync);
    let firstDone = false;
    let laterDone = 0;
    void sync.sync('/study').then(() => (firstDone = true));
    expect(started).toHaveLength(1);
    // Three renames while the first fsync runs: it may have started before them.
    for (let i = 0; i < 3; i++) void sync.sync('/study').then(() => laterDone++);
    expect(started).toHaveLength(1);
    started[0]!.finish();
    await new Promise((r) => setImmediate(r));
    expect(firstDone).toBe(true);
    expect(laterDone).toBe(0);
    expect(started).toHaveLength(2);
    started[1]!.finish();
    await new Promise((r) => setImmediate(r));
    expect(laterDone).toBe(3);
  });

  it('never lets one folder wait for another', () => {
    const { started, fsync } = manualFsync();
    const sync = new CoalescedFsync(fsync);
    void sync.sync('/a');
    void sync.sync('/b');
    expect(started.map((s) => s.path)).toEqual(['/a', '/b']);
  });

  it('reports a failed fsync to its callers and starts afresh for the next', async () => {
    let calls = 0;
    const sync = new CoalescedFsync(() => {
      calls++;
      return calls === 1 ? Promise.reject(new Error('EIO')) : Promise.resolve();
    });
    await expect(sync.sync('/x')).rejects.toThrow('EIO');
    await expect(sync.sync('/x')).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});
