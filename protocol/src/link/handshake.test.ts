import { describe, expect, it } from 'vitest';
import { inboxAfterHandshake, peerCountersProblem } from './handshake.js';

describe('peerCountersProblem', () => {
  it('believes a peer that received up to what was sent, or less', () => {
    expect(peerCountersProblem(0, 0, 0)).toBeNull();
    expect(peerCountersProblem(41, 42, 7)).toBeNull();
    expect(peerCountersProblem(42, 42, 0)).toBeNull();
  });

  it('refuses a peer ahead of what it was ever sent, naming both numbers, within a close reason', () => {
    const why = peerCountersProblem(1e15, 12, 0)!;
    expect(why).toBe('lastReceivedSeq 1000000000000000 is ahead of all this side sent (12)');
    expect(Buffer.byteLength(why)).toBeLessThanOrEqual(123);
  });

  it('refuses counters that are not sequence numbers', () => {
    expect(peerCountersProblem(-1, 5, 0)).toMatch(/not a sequence number/);
    expect(peerCountersProblem(1.5, 5, 0)).toMatch(/not a sequence number/);
    expect(peerCountersProblem(0, 5, 2 ** 60)).toMatch(/outboxFloorSeq .* not a sequence number/);
  });
});

describe('inboxAfterHandshake', () => {
  it('advances past a floor above what was applied', () => {
    expect(inboxAfterHandshake(3, 10)).toEqual({ advanceTo: 10 });
    expect(inboxAfterHandshake(10, 3)).toEqual({ advanceTo: null });
  });
});
