import type { MppsStatus, PerformedStepMessage } from '@lightbox/protocol';
import { MppsStatusCode, refusal, type MppsRefusal } from './mpps-status.js';

/** A step's state as PS3.3 C.4.14 names it. */
export type MppsState = MppsStatus;
/** A data set in dcmjs's naturalised form (keyword → value; sequences as lists of items). */
export type DicomAttributes = Record<string, unknown>;

/** What one N-CREATE or N-SET carried, checked and cleaned. */
export interface MppsDataset {
  attributes: DicomAttributes;
  /** Absent only in an N-SET that does not touch the status. */
  status: MppsState | undefined;
  /** What was tolerated, for the log and the journal. */
  warnings: string[];
}

export type ReadOutcome = { ok: true; dataset: MppsDataset } | { ok: false; refusal: MppsRefusal };

/** PS3.5 9.1: digits and dots, at most 64 characters (leading zeros tolerated, as the protocol does). */
export const isUid = (v: string): boolean => v.length <= 64 && /^[0-9]+(\.[0-9]+)*$/.test(v);

/**
 * Attributes PS3.4 Table F.7.2-1 does not allow in an N-SET. A modality that sends them anyway keeps
 * what its N-CREATE said: re-linking a running step to other orders, or renaming its patient, is a
 * correction for a person, not for a progress message.
 */
const NOT_SETTABLE = [
  'ScheduledStepAttributesSequence',
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'ReferencedPatientSequence',
  'PerformedProcedureStepID',
  'PerformedStationAETitle',
  'PerformedStationName',
  'PerformedLocation',
  'PerformedProcedureStepStartDate',
  'PerformedProcedureStepStartTime',
  'Modality',
  'StudyID',
] as const;

/**
 * Reads an N-CREATE attribute list or an N-SET modification list. N-CREATE must carry what the step
 * cannot exist without — its status, when it started, and the Scheduled Step Attributes Sequence
 * with a Study Instance UID in every item (PS3.4 F.7.2-1 type 1; IHE SWF links by these) — else
 * 0120 when absent, 0121 when empty. Descriptive type-1 attributes (Modality, Performed Station AE
 * Title, Performed Procedure Step ID) are only logged when missing: refusing a real procedure over
 * them would lose the record of an examination that did happen. Malformed values are 0106.
 */
export function readMppsDataset(elements: unknown, operation: 'create' | 'set'): ReadOutcome {
  try {
    return { ok: true, dataset: read(elements, operation) };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, refusal: err.refusal };
    throw err;
  }
}

class Refused extends Error {
  constructor(readonly refusal: MppsRefusal) {
    super(refusal.comment);
  }
}

const refuse = (status: number, comment: string): never => {
  throw new Refused(refusal(status, comment));
};

function read(elements: unknown, operation: 'create' | 'set'): MppsDataset {
  if (!isRecord(elements)) {
    refuse(
      MppsStatusCode.MissingAttribute,
      operation === 'create' ? 'N-CREATE without an attribute list' : 'N-SET without a modification list',
    );
  }
  const attributes = clean(elements) as DicomAttributes;
  const warnings: string[] = [];
  if (operation === 'set') {
    for (const key of NOT_SETTABLE) {
      if (key in attributes) {
        warnings.push(`${key} may not be changed by N-SET; kept as created`);
        Reflect.deleteProperty(attributes, key);
      }
    }
  } else {
    required(attributes, 'PerformedProcedureStepStatus', 'Performed Procedure Step Status');
    required(attributes, 'PerformedProcedureStepStartDate', 'Performed Procedure Step Start Date');
    required(attributes, 'PerformedProcedureStepStartTime', 'Performed Procedure Step Start Time');
    required(attributes, 'ScheduledStepAttributesSequence', 'Scheduled Step Attributes Sequence');
    for (const [key, name] of [
      ['Modality', 'Modality'],
      ['PerformedStationAETitle', 'Performed Station AE Title'],
      ['PerformedProcedureStepID', 'Performed Procedure Step ID'],
    ] as const) {
      if (presence(attributes[key]) !== 'value') warnings.push(`${name} is missing`);
    }
    checkScheduledSteps(attributes.ScheduledStepAttributesSequence);
    checkDate(attributes, 'PerformedProcedureStepStartDate', 'Start Date');
    checkTime(attributes, 'PerformedProcedureStepStartTime', 'Start Time');
    checkLength(attributes, 'Modality', 'Modality', 16);
  }
  let status: MppsState | undefined;
  if ('PerformedProcedureStepStatus' in attributes) {
    const raw = textOf(attributes.PerformedProcedureStepStatus);
    if (raw === '') refuse(MppsStatusCode.MissingAttributeValue, 'Performed Procedure Step Status is empty');
    status = readStatus(raw, warnings);
    attributes.PerformedProcedureStepStatus = status;
  }
  checkDate(attributes, 'PerformedProcedureStepEndDate', 'End Date');
  checkTime(attributes, 'PerformedProcedureStepEndTime', 'End Time');
  checkPerformedSeries(attributes.PerformedSeriesSequence);
  return { attributes, status, warnings };
}

function readStatus(raw: string, warnings: string[]): MppsState {
  if (raw === 'IN PROGRESS' || raw === 'COMPLETED' || raw === 'DISCONTINUED') return raw;
  // Seen on real consoles; the meaning is not in doubt.
  if (raw === 'COMPLETE') {
    warnings.push('Performed Procedure Step Status "COMPLETE" read as "COMPLETED"');
    return 'COMPLETED';
  }
  return refuse(
    MppsStatusCode.InvalidAttributeValue,
    `unknown Performed Procedure Step Status "${raw.slice(0, 16)}"`,
  );
}

function required(attributes: DicomAttributes, key: string, name: string): void {
  const p = presence(attributes[key], key in attributes);
  if (p === 'absent') refuse(MppsStatusCode.MissingAttribute, `${name} is missing`);
  if (p === 'empty') refuse(MppsStatusCode.MissingAttributeValue, `${name} is empty`);
}

function checkScheduledSteps(value: unknown): void {
  const items = itemsOf(value, 'Scheduled Step Attributes Sequence');
  items.forEach((item, i) => {
    const where = `Scheduled Step item ${i + 1}`;
    requiredUid(item, 'StudyInstanceUID', `${where}: Study Instance UID`);
    checkLength(item, 'AccessionNumber', `${where}: Accession Number`, 16);
    checkLength(item, 'RequestedProcedureID', `${where}: Requested Procedure ID`, 16);
    checkLength(item, 'ScheduledProcedureStepID', `${where}: SPS ID`, 16);
  });
}

function checkPerformedSeries(value: unknown): void {
  if (value === undefined) return;
  const items = itemsOf(value, 'Performed Series Sequence');
  items.forEach((item, i) => {
    const where = `Performed Series item ${i + 1}`;
    requiredUid(item, 'SeriesInstanceUID', `${where}: Series Instance UID`);
    for (const key of ['ReferencedImageSequence', 'ReferencedNonImageCompositeSOPInstanceSequence']) {
      if (item[key] === undefined) continue;
      itemsOf(item[key], key).forEach((ref, j) => {
        const at = `Performed Series ${i + 1}, image ${j + 1}`;
        requiredUid(ref, 'ReferencedSOPInstanceUID', `${at}: SOP Instance UID`);
      });
    }
  });
}

function itemsOf(value: unknown, name: string): DicomAttributes[] {
  if (value === undefined || value === null || value === '') return [];
  if (!Array.isArray(value) || !value.every(isRecord))
    refuse(MppsStatusCode.InvalidAttributeValue, `${name} is not a sequence`);
  return value as DicomAttributes[];
}

/** A UID an item must carry: present, not empty, and well formed. */
function requiredUid(attributes: DicomAttributes, key: string, name: string): void {
  required(attributes, key, name);
  checkUid(attributes[key], name);
}

function checkUid(value: unknown, name: string): void {
  const v = textOf(value);
  if (!isUid(v)) refuse(MppsStatusCode.InvalidAttributeValue, `${name} is not a UID`);
}

function checkLength(attributes: DicomAttributes, key: string, name: string, max: number): void {
  if (textOf(attributes[key]).length > max)
    refuse(MppsStatusCode.InvalidAttributeValue, `${name} is longer than ${max} characters`);
}

function checkDate(attributes: DicomAttributes, key: string, name: string): void {
  const v = textOf(attributes[key]);
  if (v !== '' && !isDate(v))
    refuse(MppsStatusCode.InvalidAttributeValue, `${name} "${v.slice(0, 20)}" is not a DA`);
}

function checkTime(attributes: DicomAttributes, key: string, name: string): void {
  const v = textOf(attributes[key]);
  if (v !== '' && !isTime(v))
    refuse(MppsStatusCode.InvalidAttributeValue, `${name} "${v.slice(0, 20)}" is not a TM`);
}

/** DA: YYYYMMDD, a real calendar day. */
export function isDate(v: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** TM: HH[MM[SS[.F{1,6}]]] (PS3.5 6.2), within a day. */
export function isTime(v: string): boolean {
  const m = /^(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,6})?)?)?$/.exec(v);
  if (!m) return false;
  return Number(m[1]) < 24 && Number(m[2] ?? 0) < 60 && Number(m[3] ?? 0) < 61;
}

/** Start or end as a sortable `YYYYMMDDHHMMSS.FFFFFF`, or undefined without a date. */
export function instantOf(date: unknown, time: unknown): string | undefined {
  const d = textOf(date);
  if (!isDate(d)) return undefined;
  const t = textOf(time);
  const [hms = '', frac = ''] = (isTime(t) ? t : '').split('.');
  return `${d}${hms.padEnd(6, '0')}.${frac.padEnd(6, '0')}`;
}

/** Whether an attribute is absent, present without a value, or has one. */
export function presence(value: unknown, present = value !== undefined): 'absent' | 'empty' | 'value' {
  if (!present) return 'absent';
  if (value === undefined || value === null) return 'empty';
  if (typeof value === 'string') return value.trim() === '' ? 'empty' : 'value';
  if (Array.isArray(value)) return value.some((v) => presence(v) === 'value') ? 'value' : 'empty';
  if (isRecord(value)) return Object.keys(value).length === 0 ? 'empty' : 'value';
  return 'value';
}

/** The first value as trimmed text ('' when none). */
export function textOf(value: unknown): string {
  if (Array.isArray(value)) return textOf(value[0]);
  if (typeof value === 'string') return value.replace(/[\s\0]+$/, '').trim();
  if (typeof value === 'number') return String(value);
  if (isRecord(value) && 'Alphabetic' in value) return textOf(value.Alphabetic);
  return '';
}

function isRecord(v: unknown): v is DicomAttributes {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !ArrayBuffer.isView(v) &&
    !(v instanceof ArrayBuffer)
  );
}

/**
 * A JSON-safe copy: dcmjs's `_vrMap` bookkeeping and binary values (which MPPS has no use for) are
 * dropped, strings lose their padding.
 */
function clean(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/[\s\0]+$/, '');
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) return value.map(clean).filter((v) => v !== undefined);
  if (isRecord(value)) {
    const out: DicomAttributes = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '_vrMap') continue;
      const c = clean(v);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  return undefined;
}

/** What the plugin learns of a step: the parts of the message it acts on. */
export type PluginView = Pick<
  PerformedStepMessage,
  'status' | 'modality' | 'scheduledSteps' | 'performedSeries' | 'discontinuationReason'
> & {
  /** What reconciliation of an unscheduled step compares (PatientID, PatientName, start date). */
  patient: { id: string; name: string; startDate: string };
};

/** The view of a checked, merged data set. */
export function pluginViewOf(status: MppsState, attributes: DicomAttributes): PluginView {
  const modality = textOf(attributes.Modality);
  const scheduledSteps = itemList(attributes.ScheduledStepAttributesSequence).map((item) =>
    definedOnly({
      studyInstanceUid: textOf(item.StudyInstanceUID),
      accessionNumber: textOf(item.AccessionNumber),
      requestedProcedureId: textOf(item.RequestedProcedureID),
      scheduledProcedureStepId: textOf(item.ScheduledProcedureStepID),
    }),
  );
  const performedSeries = itemList(attributes.PerformedSeriesSequence).map((item) => ({
    seriesInstanceUid: textOf(item.SeriesInstanceUID),
    sopInstanceUids: [
      ...itemList(item.ReferencedImageSequence),
      ...itemList(item.ReferencedNonImageCompositeSOPInstanceSequence),
    ].map((ref) => textOf(ref.ReferencedSOPInstanceUID)),
  }));
  const reasonItem = itemList(attributes.PerformedProcedureStepDiscontinuationReasonCodeSequence)[0];
  const code = textOf(reasonItem?.CodeValue);
  const discontinuationReason =
    status === 'DISCONTINUED' && reasonItem && code !== ''
      ? {
          code: code.slice(0, 64),
          scheme: textOf(reasonItem.CodingSchemeDesignator).slice(0, 64),
          meaning: textOf(reasonItem.CodeMeaning).slice(0, 64),
        }
      : undefined;
  return {
    status,
    ...(modality !== '' ? { modality } : {}),
    scheduledSteps,
    performedSeries,
    ...(discontinuationReason ? { discontinuationReason } : {}),
    patient: {
      id: textOf(attributes.PatientID),
      name: textOf(attributes.PatientName),
      startDate: textOf(attributes.PerformedProcedureStepStartDate),
    },
  };
}

function itemList(value: unknown): DicomAttributes[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function definedOnly<T extends Record<string, string>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '')) as Partial<T>;
}
