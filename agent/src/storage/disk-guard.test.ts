import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { DiskGuard, type DiskState } from './disk-guard.js';

const MB = 1024 * 1024;

describe('DiskGuard', () => {
  it('goes low below the threshold, clears only 10% above it, and reports each change once', async () => {
    let free = 200 * MB;
    const changes: DiskState[] = [];
    const guard = new DiskGuard({
      dir: '/spool',
      minFreeBytes: 100 * MB,
      log: createLogger('error'),
      freeBytes: () => Promise.resolve(free),
      onChange: (s) => changes.push(s),
    });
    expect(await guard.check()).toBe('ok');
    free = 99 * MB;
    expect(await guard.check()).toBe('low');
    expect(guard.refusalComment()).toBe('disk full: 99 MB free, 100 MB needed');
    free = 105 * MB;
    expect(await guard.check()).toBe('low');
    free = 111 * MB;
    expect(await guard.check()).toBe('ok');
    expect(await guard.check()).toBe('ok');
    expect(changes).toEqual(['low', 'ok']);
  });
});

describe('DiskGuard.noteWritten', () => {
  it('reads the free space again only once what was stored could use half the headroom', async () => {
    let free = 1_000 * MB;
    let reads = 0;
    const guard = new DiskGuard({
      dir: '/spool',
      minFreeBytes: 100 * MB,
      log: createLogger('error'),
      freeBytes: () => {
        reads++;
        return Promise.resolve(free);
      },
    });
    await guard.check();
    reads = 0;
    // A CT series of 300 half-megabyte slices: 150 MB against 900 MB of headroom.
    for (let i = 0; i < 300; i++) {
      free -= MB / 2;
      guard.noteWritten(MB / 2);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reads).toBe(0);
    // A large study brings the stored total to half the headroom: the disk is read, and found low.
    free = 50 * MB;
    guard.noteWritten(300 * MB);
    await expect.poll(() => guard.low).toBe(true);
    expect(reads).toBe(1);
    await guard.stop();
  });
});
