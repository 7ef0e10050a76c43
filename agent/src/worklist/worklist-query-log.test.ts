import { describe, expect, it } from 'vitest';
import { WorklistQueryLog, matchingKeys } from './worklist-query-log.js';

describe('the last worklist query per calling AE title', () => {
  it('keeps the keys sent with a value, inside sequence items too, and counts every key asked for', () => {
    const log = new WorklistQueryLog();
    log.record({
      callingAe: 'DR1',
      keys: {
        PatientName: '',
        PatientID: 'P-1*',
        ScheduledProcedureStepSequence: [
          { Modality: 'DX', ScheduledStationAETitle: 'DR1', ScheduledProcedureStepStartDate: '' },
        ],
      },
      requested: [
        { tag: 0x00100010, vr: 'PN' },
        { tag: 0x00100020, vr: 'LO' },
        {
          tag: 0x00400100,
          vr: 'SQ',
          nested: [
            { tag: 0x00080060, vr: 'CS' },
            { tag: 0x00400001, vr: 'AE' },
            { tag: 0x00400002, vr: 'DA' },
          ],
        },
      ],
      matched: 3,
      sent: 3,
      outcome: 'success',
      at: new Date('2026-12-03T10:00:00Z'),
    });
    expect(log.list()).toEqual([
      {
        callingAe: 'DR1',
        at: '2026-12-03T10:00:00.000Z',
        keys: [
          { key: 'PatientID', value: 'P-1*' },
          { key: 'ScheduledProcedureStepSequence>Modality', value: 'DX' },
          { key: 'ScheduledProcedureStepSequence>ScheduledStationAETitle', value: 'DR1' },
        ],
        requestedKeys: 6,
        matched: 3,
        sent: 3,
        outcome: 'success',
      },
    ]);
  });

  it('keeps one entry per caller, the latest first, and forgets the least recently heard beyond 32', () => {
    const log = new WorklistQueryLog();
    for (let i = 0; i < 40; i++) log.record({ callingAe: `AE${i}`, matched: i, sent: i, outcome: 'success' });
    log.record({
      callingAe: 'AE10',
      matched: 0,
      sent: 0,
      outcome: 'refused',
      comment: 'a900: malformed identifier',
    });
    const list = log.list();
    expect(list).toHaveLength(32);
    expect(list[0]).toMatchObject({
      callingAe: 'AE10',
      outcome: 'refused',
      comment: 'a900: malformed identifier',
    });
    expect(list.map((q) => q.callingAe)).not.toContain('AE0');
    expect(list.filter((q) => q.callingAe === 'AE10')).toHaveLength(1);
  });

  it('bounds what a query can make it keep', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`Key${i}`, 'x'.repeat(500)]));
    const keys = matchingKeys(many);
    expect(keys).toHaveLength(32);
    expect(keys[0]!.value).toHaveLength(128);
  });
});
