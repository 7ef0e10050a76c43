/**
 * The worklist's attributes: what the plugin maps an order to, what the agent stores, what the
 * matcher compares and what the encoder writes. Values are kept as DICOM strings (multi-values
 * joined by `\`, PN as `Family^Given`, DA `YYYYMMDD`, TM `HHMMSS`), sequences as arrays of items.
 */
export type { WlItem, WlValue } from '@lightbox/protocol';

export type Vr =
  'AE' | 'CS' | 'DA' | 'DS' | 'DT' | 'IS' | 'LO' | 'LT' | 'PN' | 'SH' | 'SQ' | 'TM' | 'UI' | 'US';

export interface AttributeDef {
  tag: number; // (group << 16) | element
  vr: Vr;
  /** Present for sequences: the keywords an item of it may hold. */
  item?: readonly string[];
}

const code = ['CodeValue', 'CodingSchemeDesignator', 'CodingSchemeVersion', 'CodeMeaning'] as const;

export const WORKLIST_ATTRIBUTES: Readonly<Record<string, AttributeDef>> = {
  SpecificCharacterSet: { tag: 0x00080005, vr: 'CS' },
  AccessionNumber: { tag: 0x00080050, vr: 'SH' },
  Modality: { tag: 0x00080060, vr: 'CS' },
  ReferringPhysicianName: { tag: 0x00080090, vr: 'PN' },
  CodeValue: { tag: 0x00080100, vr: 'SH' },
  CodingSchemeDesignator: { tag: 0x00080102, vr: 'SH' },
  CodingSchemeVersion: { tag: 0x00080103, vr: 'SH' },
  CodeMeaning: { tag: 0x00080104, vr: 'LO' },
  ReferencedStudySequence: {
    tag: 0x00081110,
    vr: 'SQ',
    item: ['ReferencedSOPClassUID', 'ReferencedSOPInstanceUID'],
  },
  ReferencedSOPClassUID: { tag: 0x00081150, vr: 'UI' },
  ReferencedSOPInstanceUID: { tag: 0x00081155, vr: 'UI' },
  PatientName: { tag: 0x00100010, vr: 'PN' },
  PatientID: { tag: 0x00100020, vr: 'LO' },
  IssuerOfPatientID: { tag: 0x00100021, vr: 'LO' },
  TypeOfPatientID: { tag: 0x00100022, vr: 'CS' },
  PatientBirthDate: { tag: 0x00100030, vr: 'DA' },
  PatientSex: { tag: 0x00100040, vr: 'CS' },
  OtherPatientIDsSequence: {
    tag: 0x00101002,
    vr: 'SQ',
    item: ['PatientID', 'IssuerOfPatientID', 'TypeOfPatientID'],
  },
  PatientWeight: { tag: 0x00101030, vr: 'DS' },
  PatientSpeciesDescription: { tag: 0x00102201, vr: 'LO' },
  PatientSpeciesCodeSequence: { tag: 0x00102202, vr: 'SQ', item: code },
  PatientSexNeutered: { tag: 0x00102203, vr: 'CS' },
  PatientBreedDescription: { tag: 0x00102292, vr: 'LO' },
  PatientBreedCodeSequence: { tag: 0x00102293, vr: 'SQ', item: code },
  ResponsiblePerson: { tag: 0x00102297, vr: 'PN' },
  ResponsiblePersonRole: { tag: 0x00102298, vr: 'CS' },
  ResponsibleOrganization: { tag: 0x00102299, vr: 'LO' },
  BodyPartExamined: { tag: 0x00180015, vr: 'CS' },
  StudyInstanceUID: { tag: 0x0020000d, vr: 'UI' },
  RequestingPhysician: { tag: 0x00321032, vr: 'PN' },
  RequestedProcedureDescription: { tag: 0x00321060, vr: 'LO' },
  RequestedProcedureCodeSequence: { tag: 0x00321064, vr: 'SQ', item: code },
  ScheduledStationAETitle: { tag: 0x00400001, vr: 'AE' },
  ScheduledProcedureStepStartDate: { tag: 0x00400002, vr: 'DA' },
  ScheduledProcedureStepStartTime: { tag: 0x00400003, vr: 'TM' },
  ScheduledPerformingPhysicianName: { tag: 0x00400006, vr: 'PN' },
  ScheduledProcedureStepDescription: { tag: 0x00400007, vr: 'LO' },
  ScheduledProtocolCodeSequence: { tag: 0x00400008, vr: 'SQ', item: code },
  ScheduledProcedureStepID: { tag: 0x00400009, vr: 'SH' },
  ScheduledStationName: { tag: 0x00400010, vr: 'SH' },
  ScheduledProcedureStepLocation: { tag: 0x00400011, vr: 'SH' },
  ScheduledProcedureStepStatus: { tag: 0x00400020, vr: 'CS' },
  ScheduledProcedureStepSequence: {
    tag: 0x00400100,
    vr: 'SQ',
    item: [
      'Modality',
      'ScheduledStationAETitle',
      'ScheduledProcedureStepStartDate',
      'ScheduledProcedureStepStartTime',
      'ScheduledPerformingPhysicianName',
      'ScheduledProcedureStepDescription',
      'ScheduledProtocolCodeSequence',
      'ScheduledProcedureStepID',
      'ScheduledStationName',
      'ScheduledProcedureStepLocation',
      'ScheduledProcedureStepStatus',
    ],
  },
  RequestedProcedureID: { tag: 0x00401001, vr: 'SH' },
  ReasonForTheRequestedProcedure: { tag: 0x00401002, vr: 'LO' },
  RequestedProcedurePriority: { tag: 0x00401003, vr: 'SH' },
};

/** SPS status values a query may ask for; items in the other states are hidden by default. */
export const VISIBLE_BY_DEFAULT_STATUS = 'SCHEDULED';
