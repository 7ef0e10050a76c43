import { describe, expect, it } from 'vitest';
import { readMppsDataset, type DicomAttributes, type ReadOutcome } from './mpps-attributes.js';
import { createElements } from './test-support/mpps-fixtures.js';
import { decideCreate, decideSet, type MppsDecision, type MppsRecord } from './mpps-state-machine.js';

const UID = '2.25.4242';

const dataset = (elements: DicomAttributes, op: 'create' | 'set'): ReadOutcome =>
  readMppsDataset(elements, op);

const refusalStatus = (d: MppsDecision): number | undefined =>
  d.kind === 'refused' ? d.refusal.status : undefined;

function accepted(d: MppsDecision): Extract<MppsDecision, { kind: 'accepted' }> {
  if (d.kind !== 'accepted') throw new Error(`refused: ${d.refusal.comment}`);
  return d;
}

function created(overrides: DicomAttributes = {}): MppsRecord {
  return accepted(decideCreate(undefined, UID, 'DR1', dataset(createElements(overrides), 'create'))).record;
}

const set = (record: MppsRecord | undefined, elements: DicomAttributes) =>
  decideSet(record, dataset(elements, 'set'));

const series = (n: number) => [
  {
    SeriesInstanceUID: '1.2.3',
    ReferencedImageSequence: Array.from({ length: n }, (_, i) => ({
      ReferencedSOPInstanceUID: `1.2.3.${i + 1}`,
    })),
  },
];

const completion = {
  PerformedProcedureStepStatus: 'COMPLETED',
  PerformedProcedureStepEndDate: '20261123',
  PerformedProcedureStepEndTime: '093000',
};

describe('N-CREATE', () => {
  it('creates an IN PROGRESS step and tells the plugin', () => {
    const d = accepted(decideCreate(undefined, UID, 'DR1', dataset(createElements(), 'create')));
    expect(d.record.status).toBe('IN PROGRESS');
    expect(d.notify?.status).toBe('IN PROGRESS');
    expect(d.record.notifiedView).toEqual(d.notify);
  });

  it.each(['COMPLETED', 'DISCONTINUED'])('refuses to create a step as %s (0106)', (status) => {
    const d = decideCreate(
      undefined,
      UID,
      'DR1',
      dataset(createElements({ PerformedProcedureStepStatus: status }), 'create'),
    );
    expect(d).toEqual({
      kind: 'refused',
      refusal: { status: 0x0106, comment: `N-CREATE must be IN PROGRESS, not ${status}` },
    });
  });

  it('refuses a UID it already holds (0111)', () => {
    const d = decideCreate(created(), UID, 'DR1', dataset(createElements(), 'create'));
    expect(d.kind === 'refused' && d.refusal.status).toBe(0x0111);
  });
});

describe('N-SET', () => {
  it('refuses an unknown UID (0112)', () => {
    const d = set(undefined, completion);
    expect(d.kind === 'refused' && d.refusal.status).toBe(0x0112);
  });

  it.each(['COMPLETED', 'DISCONTINUED'])(
    'refuses any N-SET after %s with the prescribed comment',
    (status) => {
      const final = accepted(set(created(), { ...completion, PerformedProcedureStepStatus: status })).record;
      for (const next of [
        completion,
        { PerformedProcedureStepStatus: 'IN PROGRESS' },
        { PerformedSeriesSequence: [] },
      ]) {
        expect(set(final, next)).toEqual({
          kind: 'refused',
          refusal: { status: 0x0110, comment: 'Performed Procedure Step Object may no longer be updated' },
        });
      }
    },
  );

  it('completes, and replaces the Performed Series Sequence as a whole', () => {
    const withThree = accepted(set(created(), { PerformedSeriesSequence: series(3) })).record;
    const d = accepted(set(withThree, { ...completion, PerformedSeriesSequence: series(2) }));
    expect(d.record.status).toBe('COMPLETED');
    expect(d.notify?.performedSeries).toEqual([
      { seriesInstanceUid: '1.2.3', sopInstanceUids: ['1.2.3.1', '1.2.3.2'] },
    ]);
    expect(d.record.attributes.PatientID).toBe('P100');
  });

  it('an IN PROGRESS repeat that changes nothing the plugin acts on tells it nothing', () => {
    let record = created();
    const notifications: unknown[] = [];
    for (let i = 1; i <= 10; i++) {
      const d = accepted(
        set(record, {
          PerformedProcedureStepStatus: 'IN PROGRESS',
          PerformedSeriesSequence: series(i <= 5 ? i : 5),
        }),
      );
      expect(d.warnings).toContain('N-SET repeated IN PROGRESS');
      if (d.notify) notifications.push(d.notify);
      record = d.record;
    }
    // Five images were added, five repeats added nothing.
    expect(notifications).toHaveLength(5);
    expect(record.status).toBe('IN PROGRESS');
  });

  it('refuses an end before the start (0106) and leaves the step as it was', () => {
    const record = created();
    const d = set(record, { ...completion, PerformedProcedureStepEndTime: '080000' });
    expect(d).toEqual({
      kind: 'refused',
      refusal: { status: 0x0106, comment: 'Performed Procedure Step ends before it starts' },
    });
    expect(record.status).toBe('IN PROGRESS');
  });

  it('tolerates COMPLETED without an end date and time, with a warning', () => {
    const d = accepted(set(created(), { PerformedProcedureStepStatus: 'COMPLETED' }));
    expect(d.record.status).toBe('COMPLETED');
    expect(d.warnings).toContain('COMPLETED without Performed Procedure Step End Date/Time');
  });

  it('tolerates COMPLETE and forwards COMPLETED', () => {
    const d = accepted(set(created(), { ...completion, PerformedProcedureStepStatus: 'COMPLETE' }));
    expect(d.notify?.status).toBe('COMPLETED');
    expect(d.record.attributes.PerformedProcedureStepStatus).toBe('COMPLETED');
  });

  it('forwards a discontinuation reason only with DISCONTINUED', () => {
    const reason = [
      {
        CodeValue: '110514',
        CodingSchemeDesignator: 'DCM',
        CodeMeaning: 'Incorrect worklist entry selected',
      },
    ];
    const d = accepted(
      set(created(), {
        ...completion,
        PerformedProcedureStepStatus: 'DISCONTINUED',
        PerformedProcedureStepDiscontinuationReasonCodeSequence: reason,
      }),
    );
    expect(d.notify?.discontinuationReason?.code).toBe('110514');
    const c = accepted(
      set(created(), { ...completion, PerformedProcedureStepDiscontinuationReasonCodeSequence: reason }),
    );
    expect(c.notify?.discontinuationReason).toBeUndefined();
    expect(c.warnings).toContain('COMPLETED with a discontinuation reason; the reason is ignored');
  });

  it('checks the instance before the attributes: unknown, final and duplicate win over bad values', () => {
    const bad = { PerformedProcedureStepStatus: 'DONE' };
    expect(refusalStatus(set(undefined, bad))).toBe(0x0112);
    const final = accepted(set(created(), completion)).record;
    expect(refusalStatus(set(final, bad))).toBe(0x0110);
    expect(refusalStatus(set(created(), bad))).toBe(0x0106);
    const badCreate = dataset(createElements({ PerformedProcedureStepStartDate: '' }), 'create');
    expect(refusalStatus(decideCreate(created(), UID, 'DR1', badCreate))).toBe(0x0111);
    expect(refusalStatus(decideCreate(undefined, UID, 'DR1', badCreate))).toBe(0x0121);
  });

  it('keeps the scheduled steps of the N-CREATE', () => {
    const d = accepted(
      set(created(), { ...completion, ScheduledStepAttributesSequence: [{ StudyInstanceUID: '9.9.9' }] }),
    );
    expect(d.notify?.scheduledSteps[0]?.studyInstanceUid).toBe('2.25.100');
  });
});
