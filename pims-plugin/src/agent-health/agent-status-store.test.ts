import { describe, expect, it } from 'vitest';
import { forecastFromSamples, parseSamples, type DiskSample } from './agent-status-store.js';

const HOUR = 3_600_000;
const GIB = 1024 ** 3;

describe('the days-until-full forecast', () => {
  it('follows the last day: 1 GiB a day less from 10 GiB free is about 10 days', () => {
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    const samples: DiskSample[] = Array.from({ length: 25 }, (_, h) => [
      t0 + h * HOUR,
      11 * GIB - (h / 24) * GIB,
    ]);
    expect(forecastFromSamples(samples, null)).toBeCloseTo(10, 1);
  });

  it('ignores samples older than a day', () => {
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    // A week-old purge freed space; the last day fell by 2 GiB from 6 GiB.
    const samples: DiskSample[] = [
      [t0 - 6 * 24 * HOUR, 1 * GIB],
      ...Array.from({ length: 25 }, (_, h): DiskSample => [t0 + h * HOUR, 6 * GIB - (h / 24) * 2 * GIB]),
    ];
    expect(forecastFromSamples(samples, null)).toBeCloseTo(2, 1);
  });

  it('has no trend with under an hour of history, or when space is not falling', () => {
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    expect(forecastFromSamples([[t0, 5 * GIB]], { atMs: t0 + 30 * 60_000, freeBytes: 4 * GIB })).toBeNull();
    expect(forecastFromSamples([[t0, 5 * GIB]], { atMs: t0 + 2 * HOUR, freeBytes: 6 * GIB })).toBeNull();
    expect(forecastFromSamples([], null)).toBeNull();
  });

  it('counts the current reading after the last sample', () => {
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    expect(forecastFromSamples([[t0, 10 * GIB]], { atMs: t0 + 12 * HOUR, freeBytes: 9 * GIB })).toBeCloseTo(
      4.5,
      1,
    );
  });

  it('reads only well-formed samples', () => {
    expect(parseSamples('[[1,2],["x",3],[4],null]')).toEqual([[1, 2]]);
    expect(parseSamples('not json')).toEqual([]);
  });
});
