import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('grows with each attempt and never passes the cap', () => {
    const lows = [0, 1, 2, 3, 4, 10, 40].map((a) => backoffDelay(a, 500, 30_000, () => 0));
    expect(lows).toEqual([250, 500, 1000, 2000, 4000, 15_000, 15_000]);
    for (let a = 0; a < 50; a++)
      expect(backoffDelay(a, 500, 30_000, () => 0.999_999)).toBeLessThanOrEqual(30_000);
  });

  it('spreads agents out with jitter', () => {
    const samples = new Set(Array.from({ length: 20 }, () => backoffDelay(5, 500, 30_000)));
    expect(samples.size).toBeGreaterThan(10);
  });
});
