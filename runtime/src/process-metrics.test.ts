import { describe, expect, it } from 'vitest';
import { ageSeconds, ProcessMetrics } from './process-metrics.js';

class ExampleMetrics extends ProcessMetrics {
  readonly jobs = this.counter('example_jobs_total', 'Jobs done, by result.', ['result']);
  readonly busy = this.gauge('example_busy', 'Jobs running now.');

  constructor() {
    super('example_');
  }

  done(result: string): void {
    if (this.isEnabled) this.jobs.inc({ result });
  }
}

describe('ProcessMetrics', () => {
  it('registers nothing until enabled', async () => {
    const metrics = new ExampleMetrics();
    metrics.done('ok');
    expect(metrics.isEnabled).toBe(false);
    expect((await metrics.registry.metrics()).trim()).toBe('');
  });

  it('serves the declared metrics in order, the scraped gauges and the default ones under the prefix', async () => {
    const metrics = new ExampleMetrics();
    metrics.enable([{ name: 'example_queue_depth', help: 'Waiting jobs.', read: () => Promise.resolve(7) }]);
    metrics.done('ok');
    metrics.done('ok');
    const text = await metrics.registry.metrics();
    expect(text).toContain('example_jobs_total{result="ok"} 2');
    expect(text).toContain('example_queue_depth 7');
    expect(text).toMatch(/^example_process_cpu_user_seconds_total /m);
    expect(text.indexOf('example_jobs_total')).toBeLessThan(text.indexOf('example_busy'));
  });
});

describe('ageSeconds', () => {
  it('is the age of the oldest waiting item, never negative, 0 when none waits', () => {
    const now = Date.parse('2026-01-01T00:01:00Z');
    expect(ageSeconds('2026-01-01T00:00:00Z', now)).toBe(60);
    expect(ageSeconds('2026-01-01T00:02:00Z', now)).toBe(0);
    expect(ageSeconds(null, now)).toBe(0);
  });
});
