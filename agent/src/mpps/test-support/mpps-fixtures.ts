import type { DicomAttributes } from '../mpps-attributes.js';

/** An N-CREATE as a DR console sends it, in dcmjs's naturalised form. */
export function createElements(overrides: DicomAttributes = {}): DicomAttributes {
  return {
    _vrMap: {},
    SpecificCharacterSet: 'ISO_IR 192',
    PatientName: [{ Alphabetic: 'Smith^Max' }],
    PatientID: 'P100',
    Modality: 'DX',
    PerformedStationAETitle: 'DR1',
    PerformedProcedureStepID: 'PPS1',
    PerformedProcedureStepStartDate: '20261123',
    PerformedProcedureStepStartTime: '091500',
    PerformedProcedureStepEndDate: '',
    PerformedProcedureStepEndTime: '',
    PerformedProcedureStepStatus: 'IN PROGRESS',
    ScheduledStepAttributesSequence: [
      {
        StudyInstanceUID: '2.25.100',
        AccessionNumber: 'LB0001',
        RequestedProcedureID: 'RP0001',
        ScheduledProcedureStepID: 'SP0001',
      },
    ],
    PerformedSeriesSequence: [],
    ...overrides,
  };
}
