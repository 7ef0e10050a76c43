import { describe, expect, it } from 'vitest';
import { isDate, isTime, pluginViewOf, readMppsDataset } from './mpps-attributes.js';
import { createElements } from './test-support/mpps-fixtures.js';

const refusalOf = (elements: unknown, op: 'create' | 'set' = 'create') => {
  const r = readMppsDataset(elements, op);
  return r.ok ? null : r.refusal;
};

describe('reading an N-CREATE', () => {
  it('accepts a complete data set and drops dcmjs bookkeeping', () => {
    const r = readMppsDataset(createElements(), 'create');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.dataset.status).toBe('IN PROGRESS');
    expect(r.dataset.attributes._vrMap).toBeUndefined();
    expect(r.dataset.warnings).toEqual([]);
  });

  it.each([
    ['PerformedProcedureStepStatus', 'Performed Procedure Step Status is missing'],
    ['PerformedProcedureStepStartDate', 'Performed Procedure Step Start Date is missing'],
    ['PerformedProcedureStepStartTime', 'Performed Procedure Step Start Time is missing'],
    ['ScheduledStepAttributesSequence', 'Scheduled Step Attributes Sequence is missing'],
  ])('refuses a missing %s with 0120', (key, comment) => {
    const elements = createElements();
    Reflect.deleteProperty(elements, key);
    expect(refusalOf(elements)).toEqual({ status: 0x0120, comment });
  });

  it.each([
    ['PerformedProcedureStepStatus', ''],
    ['PerformedProcedureStepStartDate', ''],
    ['ScheduledStepAttributesSequence', []],
  ])('refuses an empty %s with 0121', (key, value) => {
    expect(refusalOf(createElements({ [key]: value }))?.status).toBe(0x0121);
  });

  it('requires a Study Instance UID in every scheduled step item', () => {
    const missing = createElements({ ScheduledStepAttributesSequence: [{ AccessionNumber: 'A1' }] });
    expect(refusalOf(missing)).toEqual({
      status: 0x0120,
      comment: 'Scheduled Step item 1: Study Instance UID is missing',
    });
    const empty = createElements({ ScheduledStepAttributesSequence: [{ StudyInstanceUID: '' }] });
    expect(refusalOf(empty)?.status).toBe(0x0121);
  });

  it.each([
    [
      { ScheduledStepAttributesSequence: [{ StudyInstanceUID: '1.2.abc' }] },
      'Study Instance UID is not a UID',
    ],
    [{ PerformedProcedureStepStartDate: '2026-11-23' }, 'is not a DA'],
    [{ PerformedProcedureStepStartDate: '20260231' }, 'is not a DA'],
    [{ PerformedProcedureStepStartTime: '250000' }, 'is not a TM'],
    [{ PerformedProcedureStepStatus: 'DONE' }, 'unknown Performed Procedure Step Status "DONE"'],
    [{ Modality: 'X'.repeat(17) }, 'Modality is longer than 16'],
    [
      { ScheduledStepAttributesSequence: [{ StudyInstanceUID: '1.2', AccessionNumber: 'A'.repeat(17) }] },
      'Accession Number is longer than 16',
    ],
    [{ PerformedSeriesSequence: [{ SeriesInstanceUID: 'x.y' }] }, 'Series Instance UID is not a UID'],
  ])('refuses malformed values with 0106 (%j)', (overrides, comment) => {
    const r = refusalOf(createElements(overrides));
    expect(r?.status).toBe(0x0106);
    expect(r?.comment).toContain(comment);
    expect(r!.comment.length).toBeLessThanOrEqual(64);
  });

  it('logs, but accepts, missing descriptive attributes', () => {
    const elements = createElements();
    delete elements.Modality;
    delete elements.PerformedStationAETitle;
    const r = readMppsDataset(elements, 'create');
    expect(r.ok && r.dataset.warnings).toEqual([
      'Modality is missing',
      'Performed Station AE Title is missing',
    ]);
  });

  it('refuses a request without any data set', () => {
    expect(refusalOf(undefined)).toEqual({ status: 0x0120, comment: 'N-CREATE without an attribute list' });
    expect(refusalOf(undefined, 'set')?.status).toBe(0x0120);
  });
});

describe('reading an N-SET', () => {
  it('reads COMPLETE as COMPLETED and says so', () => {
    const r = readMppsDataset({ PerformedProcedureStepStatus: 'COMPLETE' }, 'set');
    expect(r.ok && r.dataset.status).toBe('COMPLETED');
    expect(r.ok && r.dataset.warnings[0]).toContain('"COMPLETE" read as "COMPLETED"');
  });

  it('may leave the status out, but not send it empty', () => {
    const r = readMppsDataset({ PerformedProcedureStepEndDate: '20261123' }, 'set');
    expect(r.ok && r.dataset.status).toBeUndefined();
    expect(refusalOf({ PerformedProcedureStepStatus: '' }, 'set')?.status).toBe(0x0121);
  });

  it('keeps the created linking keys: attributes N-SET may not change are dropped with a warning', () => {
    const r = readMppsDataset(
      {
        PerformedProcedureStepStatus: 'COMPLETED',
        ScheduledStepAttributesSequence: [{ StudyInstanceUID: '9.9' }],
      },
      'set',
    );
    expect(r.ok && r.dataset.attributes.ScheduledStepAttributesSequence).toBeUndefined();
    expect(r.ok && r.dataset.warnings[0]).toContain('ScheduledStepAttributesSequence may not be changed');
  });

  it('requires each referenced image to name its SOP Instance UID', () => {
    const r = refusalOf(
      {
        PerformedSeriesSequence: [
          { SeriesInstanceUID: '1.2.3', ReferencedImageSequence: [{ ReferencedSOPClassUID: '1.2' }] },
        ],
      },
      'set',
    );
    expect(r).toEqual({
      status: 0x0120,
      comment: 'Performed Series 1, image 1: SOP Instance UID is missing',
    });
  });
});

describe('the plugin view', () => {
  it('extracts linking keys, series with their instances, and a discontinuation reason', () => {
    const view = pluginViewOf(
      'DISCONTINUED',
      createElements({
        PerformedSeriesSequence: [
          {
            SeriesInstanceUID: '1.2.3',
            ReferencedImageSequence: [
              { ReferencedSOPInstanceUID: '1.2.3.1' },
              { ReferencedSOPInstanceUID: '1.2.3.2' },
            ],
            ReferencedNonImageCompositeSOPInstanceSequence: [{ ReferencedSOPInstanceUID: '1.2.3.9' }],
          },
        ],
        PerformedProcedureStepDiscontinuationReasonCodeSequence: [
          {
            CodeValue: '110514',
            CodingSchemeDesignator: 'DCM',
            CodeMeaning: 'Incorrect worklist entry selected',
          },
        ],
      }),
    );
    expect(view.scheduledSteps).toEqual([
      {
        studyInstanceUid: '2.25.100',
        accessionNumber: 'LB0001',
        requestedProcedureId: 'RP0001',
        scheduledProcedureStepId: 'SP0001',
      },
    ]);
    expect(view.performedSeries).toEqual([
      { seriesInstanceUid: '1.2.3', sopInstanceUids: ['1.2.3.1', '1.2.3.2', '1.2.3.9'] },
    ]);
    expect(view.discontinuationReason).toEqual({
      code: '110514',
      scheme: 'DCM',
      meaning: 'Incorrect worklist entry selected',
    });
    expect(view.patient).toEqual({ id: 'P100', name: 'Smith^Max', startDate: '20261123' });
  });

  it('leaves empty keys out of a scheduled step (the unscheduled case)', () => {
    const view = pluginViewOf(
      'IN PROGRESS',
      createElements({
        ScheduledStepAttributesSequence: [{ StudyInstanceUID: '2.25.7', AccessionNumber: '' }],
      }),
    );
    expect(view.scheduledSteps).toEqual([{ studyInstanceUid: '2.25.7' }]);
  });
});

describe('DA and TM', () => {
  it('knows real days and times', () => {
    expect(isDate('20240229')).toBe(true);
    expect(isDate('20230229')).toBe(false);
    expect(isTime('0915')).toBe(true);
    expect(isTime('091500.123456')).toBe(true);
    expect(isTime('09:15')).toBe(false);
    expect(isTime('096000')).toBe(false);
  });
});
