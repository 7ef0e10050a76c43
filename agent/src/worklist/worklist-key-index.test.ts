import { describe, expect, it } from 'vitest';
import type { WlItem } from '@lightbox/protocol';
import { WorklistKeyIndex } from './worklist-key-index.js';

const item = (accession: string, patientId: string, spsId: string, studyUid: string): WlItem => ({
  AccessionNumber: accession,
  PatientID: patientId,
  StudyInstanceUID: studyUid,
  ScheduledProcedureStepSequence: [{ ScheduledProcedureStepID: spsId }],
});

describe('the worklist key index', () => {
  const index = new WorklistKeyIndex();
  index.add('o1', item('ACC1', 'P1', 'S1', '1.2.1'));
  index.add('o2', item('ACC2', 'P1', 'S2', '1.2.2'));
  index.add('o3', item('acc3 ', 'P3', 'S3', '1.2.3'));

  it('narrows an exact identifier to the orders that carry it', () => {
    expect(index.candidates({ AccessionNumber: 'ACC2' })).toEqual(new Set(['o2']));
    expect(index.candidates({ PatientID: 'P1' })).toEqual(new Set(['o1', 'o2']));
    expect(
      index.candidates({ ScheduledProcedureStepSequence: [{ ScheduledProcedureStepID: 'S3' }] }),
    ).toEqual(new Set(['o3']));
    expect(index.candidates({ StudyInstanceUID: '1.2.1\\1.2.3' })).toEqual(new Set(['o1', 'o3']));
    expect(index.candidates({ AccessionNumber: 'NONE' })).toEqual(new Set());
  });

  it('never narrows away a possible match: case and padding are the matcher’s to judge', () => {
    expect(index.candidates({ AccessionNumber: 'ACC3' })).toEqual(new Set(['o3']));
  });

  it('leaves wildcard, empty and unindexed queries to a full scan', () => {
    expect(index.candidates({ AccessionNumber: 'ACC*' })).toBeUndefined();
    expect(index.candidates({ AccessionNumber: '' })).toBeUndefined();
    expect(index.candidates({ PatientName: 'Smith^Max' })).toBeUndefined();
  });

  it('follows changes and removals', () => {
    const i = new WorklistKeyIndex();
    const before = item('A', 'P', 'S', '1.1');
    i.add('o', before);
    i.delete('o', before);
    i.add('o', item('B', 'P', 'S', '1.1'));
    expect(i.candidates({ AccessionNumber: 'A' })).toEqual(new Set());
    expect(i.candidates({ AccessionNumber: 'B' })).toEqual(new Set(['o']));
  });
});
