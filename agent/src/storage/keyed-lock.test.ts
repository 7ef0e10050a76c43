import { describe, expect, it } from 'vitest';
import { KeyedLock } from './keyed-lock.js';

describe('one decision per instance at a time', () => {
  it('runs work for one key in turn and for different keys side by side, past a failure', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let releaseA: () => void = () => undefined;
    const a1 = lock.run('a', async () => {
      log.push('a1 start');
      await new Promise<void>((r) => (releaseA = r));
      log.push('a1 end');
      throw new Error('refused');
    });
    const a2 = lock.run('a', () => {
      log.push('a2');
      return Promise.resolve();
    });
    const b = lock.run('b', () => {
      log.push('b');
      return Promise.resolve();
    });
    await b;
    expect(log).toEqual(['a1 start', 'b']);
    releaseA();
    await expect(a1).rejects.toThrow('refused');
    await a2;
    expect(log).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
  });
});
