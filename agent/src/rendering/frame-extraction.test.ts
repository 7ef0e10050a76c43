import { describe, expect, it } from 'vitest';
import { coarseToFine, previewedFrames } from './frame-extraction.js';

describe('coarseToFine', () => {
  it('orders every frame once, and any prefix of four or more spans the loop in even steps', () => {
    const frames = previewedFrames(250, 120);
    const order = coarseToFine(frames);
    expect([...order].sort((a, b) => a - b)).toEqual(frames);
    for (const taken of [2, 3, 5, 9, 17, 33, 65]) {
      const kept = order.slice(0, taken).sort((a, b) => a - b);
      expect(kept[0]).toBe(0);
      expect(kept.at(-1)).toBe(249);
      // Evenly spread: no gap more than twice the even step.
      const gaps = kept.slice(1).map((f, i) => f - kept[i]!);
      expect(Math.max(...gaps)).toBeLessThanOrEqual((2 * 249) / (taken - 1) + 2);
    }
  });

  it('keeps one or two frames as they are', () => {
    expect(coarseToFine([4])).toEqual([4]);
    expect(coarseToFine([0, 9])).toEqual([0, 9]);
  });
});
