import { describe, expect, it } from 'vitest';
import {
  combineDateAndTime,
  inRange,
  parseTemporalKey,
  storedMoment,
  type TemporalVr,
} from './date-time-range.js';

const matches = (vr: TemporalVr, key: string, stored: string): boolean => {
  const range = parseTemporalKey(vr, key);
  const moment = storedMoment(vr, stored);
  if (!range || moment === undefined) throw new Error(`unparsable: ${key} / ${stored}`);
  return inRange(range, moment);
};

describe('range matching', () => {
  it.each<[TemporalVr, string, string, boolean]>([
    ['DA', '20261122', '20261122', true],
    ['DA', '20261122', '20261123', false],
    ['DA', '20240229-', '20240301', true],
    ['DA', '-20240229', '20240301', false],
    ['TM', '0900', '090059.999999', true],
    ['TM', '0900', '090100', false],
    ['TM', '0900', '090060', true], // a leap second belongs to its minute
    ['TM', '-0900', '090030', true],
    ['TM', '0900-', '085959.999999', false],
    ['TM', '090000.5', '090000.59', true],
    ['TM', '090000.5', '090000.6', false],
    ['TM', '2200-0600', '2300', false], // no range crosses midnight
    ['DT', '202611', '20261130235959', true],
    ['DT', '202611', '20261201', false],
    ['DT', '2026', '20261231235960.999999', true],
    ['DT', '20261122220000+0100-20261123060000+0100', '20261122220000+0000', true],
    ['DT', '20261122220000+0100-20261123060000+0100', '20261122205959+0000', false],
    ['DT', '20261122220000+0100-20261123060000+0100', '20261123053000+0000', false],
    ['DT', '20261122-0500', '20261122050000+0000', true], // a single DT with a negative offset, not a range
    ['DT', '20261122-0500', '20261123045959+0000', true],
    ['DT', '20261122-0500', '20261123050000+0000', false],
  ])('%s key %s, stored %s: %s', (vr, key, stored, expected) => {
    expect(matches(vr, key, stored)).toBe(expected);
  });

  it.each<[TemporalVr, string]>([
    ['DA', '2026112'],
    ['DA', '20260230'],
    ['DA', '20261122--'],
    ['TM', '9'],
    ['TM', '0900.5'],
    ['TM', '096000'],
    ['TM', '090061'],
    ['TM', '090000.1234567'],
    ['DT', '20261122+1500'],
    ['DT', '2026112'],
  ])('%s %s is not a key', (vr, key) => {
    expect(parseTemporalKey(vr, key)).toBeUndefined();
  });

  it('combines a date and a time of the same form, and only then', () => {
    const date = parseTemporalKey('DA', '20261122-20261123')!;
    const time = parseTemporalKey('TM', '2200-0600')!;
    expect(combineDateAndTime(date, time)).toEqual({
      form: 'closed',
      lo: '20261122220000000000',
      // The end is the whole of 06:00, to the last microsecond of its (possibly leap) second.
      hi: '20261123060060999999',
    });
    expect(combineDateAndTime(parseTemporalKey('DA', '20261122')!, time)).toBeUndefined();
    expect(
      combineDateAndTime(parseTemporalKey('DA', '20261122-')!, parseTemporalKey('TM', '-0600')!),
    ).toBeUndefined();
  });
});
