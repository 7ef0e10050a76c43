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
