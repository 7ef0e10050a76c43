import { describe, expect, it } from 'vitest';
import { outcomeOfFailure, retryAfterMs, VendorRefused, VendorUnreachable } from './vendor-http.js';

describe('what a failed call to a PIMS means', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 11, 3, 12);
    expect(retryAfterMs('7', now)).toBe(7_000);
    expect(retryAfterMs(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });

  it('waits out a 429 for as long as asked, retries 5xx, and gives up on other 4xx', () => {
    const before = Date.now();
    const throttled = outcomeOfFailure(new VendorRefused(429, '', 5_000));
    expect(throttled.kind).toBe('retry');
    expect(throttled.kind === 'retry' && throttled.notBefore! - before).toBeGreaterThanOrEqual(5_000);
    expect(outcomeOfFailure(new VendorRefused(503, 'down', null)).kind).toBe('retry');
    expect(outcomeOfFailure(new VendorRefused(400, 'bad', null))).toMatchObject({
      kind: 'rejected',
      error: 'HTTP 400: bad',
    });
    expect(outcomeOfFailure(new VendorUnreachable('refused')).kind).toBe('unreachable');
  });
});
