import { describe, expect, it } from 'vitest';
import { planRetry, retryDelayMs, type RetryPolicy } from './backoff.js';

const policy: RetryPolicy = { backoffMinMs: 1_000, backoffMaxMs: 3_600_000, retryForMs: 86_400_000 };

describe('retry backoff', () => {
  it('doubles from the minimum up to the maximum, jitter taking at most half', () => {
    const low = (n: number) => retryDelayMs(n, policy, () => 0);
    const high = (n: number) => retryDelayMs(n, policy, () => 1);
    expect([1, 2, 3, 4].map(high)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect([1, 2, 3, 4].map(low)).toEqual([500, 1_000, 2_000, 4_000]);
    expect(high(13)).toBe(3_600_000);
    expect(high(200)).toBe(3_600_000);
    expect(low(200)).toBe(1_800_000);
  });

  it('spreads the waits of subscribers failing together', () => {
    const waits = new Set(Array.from({ length: 50 }, () => retryDelayMs(6, policy)));
    expect(waits.size).toBeGreaterThan(40);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(16_000);
  });

  it('retries for the whole period, the last attempt on its end, then gives up', () => {
    const first = 0;
    let now = first;
    const attempts = [now];
    for (let failed = 1; failed < 1_000; failed++) {
      const plan = planRetry(failed, first, now, policy, () => 0.5);
      if (plan.giveUp) break;
      expect(plan.at).toBeGreaterThan(now);
      now = plan.at;
      attempts.push(now);
    }
    expect(attempts[attempts.length - 1]).toBe(policy.retryForMs);
    // Waits of 3/4 of 1 s, 2 s, … 2048 s (12 waits, 51 min), then of 3/4 of the 1 h cap (31 more
    // to fill the day), plus the first attempt: 44 attempts, not thousands.
    expect(attempts.length).toBe(44);
  });
});
