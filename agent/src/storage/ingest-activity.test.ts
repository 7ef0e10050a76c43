import { describe, expect, it } from 'vitest';
import { IngestActivity } from './ingest-activity.js';

describe('IngestActivity', () => {
  it('lets work through at once when nothing is being stored', async () => {
    const activity = new IngestActivity(100, 5_000);
    const started = performance.now();
    expect(await activity.settle(Date.now())).toBe('quiet');
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('waits for a pause in storage', async () => {
    const activity = new IngestActivity(100, 5_000);
    activity.noteStore();
    const feeding = setInterval(() => activity.noteStore(), 20);
    setTimeout(() => clearInterval(feeding), 200);
    const started = performance.now();
    expect(await activity.settle(Date.now())).toBe('quiet');
    // The last store came at ~200 ms, the pause counts from there.
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('never lets an instance wait longer than the bound, even if storage never pauses', async () => {
    const activity = new IngestActivity(100, 300);
    const feeding = setInterval(() => activity.noteStore(), 10);
    try {
      activity.noteStore();
      const arrived = Date.now() - 100;
      const started = performance.now();
      expect(await activity.settle(arrived)).toBe('deadline');
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(150);
      expect(waited).toBeLessThan(400);
    } finally {
      clearInterval(feeding);
    }
  });
});
