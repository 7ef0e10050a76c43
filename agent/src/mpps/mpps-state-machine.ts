import {
  instantOf,
  pluginViewOf,
  textOf,
  type DicomAttributes,
  type MppsState,
  type PluginView,
  type ReadOutcome,
} from './mpps-attributes.js';
import { MppsStatusCode, NO_LONGER_UPDATABLE, refusal, type MppsRefusal } from './mpps-status.js';

/** A step as the journal holds it. */
export interface MppsRecord {
  sopInstanceUid: string;
  status: MppsState;
  callingAeTitle: string;
  attributes: DicomAttributes;
  /** What the plugin was last told; null before the first message. */
  notifiedView: PluginView | null;
}

export type MppsDecision =
  | { kind: 'refused'; refusal: MppsRefusal }
  | {
      kind: 'accepted';
      record: MppsRecord;
      /** The view to send the plugin, or null when nothing it acts on changed. */
      notify: PluginView | null;
      warnings: string[];
    };

const refused = (status: number, comment: string): MppsDecision => ({
  kind: 'refused',
  refusal: refusal(status, comment),
});

/**
 * N-CREATE (PS3.4 F.7.2.1.3): a new step, and only as IN PROGRESS (else 0106); a UID we already
 * hold is 0111 — even when the data set is identical, because a modality that resends its N-CREATE
 * after a lost answer treats 0111 as "already there" and goes on with its N-SETs. The instance is
 * checked before its attributes: "it exists" tells the modality more than a bad value would.
 */
export function decideCreate(
  existing: MppsRecord | undefined,
  sopInstanceUid: string,
  callingAeTitle: string,
  read: ReadOutcome,
): MppsDecision {
  if (existing)
    return refused(MppsStatusCode.DuplicateSopInstance, 'an MPPS with this SOP Instance UID exists');
  if (!read.ok) return { kind: 'refused', refusal: read.refusal };
  const incoming = read.dataset;
  if (incoming.status !== 'IN PROGRESS')
    return refused(
      MppsStatusCode.InvalidAttributeValue,
      `N-CREATE must be IN PROGRESS, not ${incoming.status ?? 'empty'}`,
    );
  const warnings = [...incoming.warnings];
  const contradiction = checkConsistency(incoming.attributes, 'IN PROGRESS', warnings);
  if (contradiction) return contradiction;
  const record: MppsRecord = {
    sopInstanceUid,
    status: 'IN PROGRESS',
    callingAeTitle,
    attributes: incoming.attributes,
    notifiedView: null,
  };
  const view = pluginViewOf(record.status, record.attributes);
  return { kind: 'accepted', record: { ...record, notifiedView: view }, notify: view, warnings };
}

/**
 * N-SET (PS3.4 F.7.2.2.3): only while IN PROGRESS (else 0110 with the prescribed comment); unknown
 * UID is 0112 (both checked before the attributes). What the N-SET carries replaces what was held — a sequence as a whole, since the
 * SCU sends all its items (F.7.2.2.2). An N-SET that leaves everything the plugin acts on as it was
 * (the console that re-sends IN PROGRESS after every image) updates the journal and tells nobody.
 */
export function decideSet(existing: MppsRecord | undefined, read: ReadOutcome): MppsDecision {
  if (!existing) return refused(MppsStatusCode.NoSuchSopInstance, 'no MPPS with this SOP Instance UID');
  if (existing.status !== 'IN PROGRESS')
    return refused(MppsStatusCode.ProcessingFailure, NO_LONGER_UPDATABLE);
  if (!read.ok) return { kind: 'refused', refusal: read.refusal };
  const incoming = read.dataset;
  const status = incoming.status ?? existing.status;
  const attributes = { ...existing.attributes, ...incoming.attributes, PerformedProcedureStepStatus: status };
  const warnings = [...incoming.warnings];
  if (incoming.status === 'IN PROGRESS') warnings.push('N-SET repeated IN PROGRESS');
  const contradiction = checkConsistency(attributes, status, warnings);
  if (contradiction) return contradiction;
  const view = pluginViewOf(status, attributes);
  const changed = JSON.stringify(view) !== JSON.stringify(existing.notifiedView);
  return {
    kind: 'accepted',
    record: { ...existing, status, attributes, notifiedView: changed ? view : existing.notifiedView },
    notify: changed ? view : null,
    warnings,
  };
}

/**
 * Values that contradict each other are refused (0106); gaps the standard leaves to the SCU are
 * logged. A final state without End Date/Time breaks the SCU's Final State duty (F.7.2.2.2), but
 * PS3.4 gives the SCP no rule to refuse it, and refusing would leave the order open for good:
 * consoles rarely retry a refused final N-SET.
 */
function checkConsistency(
  attributes: DicomAttributes,
  status: MppsState,
  warnings: string[],
): MppsDecision | undefined {
  const start = instantOf(
    attributes.PerformedProcedureStepStartDate,
    attributes.PerformedProcedureStepStartTime,
  );
  const end = instantOf(attributes.PerformedProcedureStepEndDate, attributes.PerformedProcedureStepEndTime);
  if (start && end && end < start)
    return refused(MppsStatusCode.InvalidAttributeValue, 'Performed Procedure Step ends before it starts');
  if (
    status !== 'IN PROGRESS' &&
    (textOf(attributes.PerformedProcedureStepEndDate) === '' ||
      textOf(attributes.PerformedProcedureStepEndTime) === '')
  )
    warnings.push(`${status} without Performed Procedure Step End Date/Time`);
  const reason = attributes.PerformedProcedureStepDiscontinuationReasonCodeSequence;
  if (status === 'COMPLETED' && Array.isArray(reason) && reason.length > 0)
    warnings.push('COMPLETED with a discontinuation reason; the reason is ignored');
  return undefined;
}
