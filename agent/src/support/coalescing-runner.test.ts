import { describe, expect, it } from 'vitest';
import { CoalescingRunner } from './coalescing-runner.js';

describe('CoalescingRunner', () => {
  it('never overlaps passes and runs exactly one more after kicks that came during a pass', async () => {
    let active = 0;
    let maxActive = 0;
    let passes = 0;
    let release: () => void = () => undefined;
    const runner = new CoalescingRunner(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      passes++;
      await new Promise<void>((r) => (release = r));
      active--;
    });
    runner.kick();
    runner.kick();
    runner.kick();
    release();
    await new Promise((r) => setImmediate(r));
    expect(passes).toBe(2);
    release();
    await runner.stop();
    expect(passes).toBe(2);
    expect(maxActive).toBe(1);
  });

  it('runs nothing after stop, and stop gives up waiting after its timeout', async () => {
    let passes = 0;
    const runner = new CoalescingRunner(async () => {
      passes++;
      await new Promise(() => undefined);
    });
    runner.kick();
    const started = Date.now();
    await runner.stop(50);
    expect(Date.now() - started).toBeLessThan(1_000);
    runner.kick();
    expect(passes).toBe(1);
    expect(runner.isStopped).toBe(true);
  });

  it('kickEvery passes at once and then on every interval, until stopped', async () => {
    let passes = 0;
    const runner = new CoalescingRunner(() => {
      passes++;
      return Promise.resolve();
    });
    runner.kickEvery(20);
    expect(passes).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 110));
    expect(passes).toBeGreaterThanOrEqual(3);
    await runner.stop();
    const stoppedAt = passes;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(passes).toBe(stoppedAt);
  });
});
