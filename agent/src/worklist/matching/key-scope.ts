import { WORKLIST_ATTRIBUTES, type AttributeDef } from '../worklist-attributes.js';

/**
 * Which query keys the matcher matches, and where. Everything else in a query — keys the
 * dictionary does not know, by keyword or by tag, and known keys out of place — is a return key:
 * asked for, answered, never an error and never a reason not to match.
 */

/** Where a key stands: the identifier itself, or the item of a sequence (with the keys it may hold). */
export type Scope = { level: 'top' } | { level: 'item'; keys: ReadonlySet<string> };

export const TOP: Scope = { level: 'top' };

export function itemScope(def: AttributeDef): Scope {
  return { level: 'item', keys: new Set(def.item ?? []) };
}

/** PS3.4 C.2.2.2: "The Specific Character Set (0008,0005) … is never matched." */
const NEVER_MATCHED = new Set(['SpecificCharacterSet']);

/**
 * Keys a sequence's item lists that also belong at the top level (the Patient Identification
 * module has them, and so does Other Patient IDs Sequence). The dictionary does not say which keys
 * are top-level keys, so this one overlap is written down here.
 */
const ALSO_AT_TOP_LEVEL = new Set(['PatientID', 'IssuerOfPatientID', 'TypeOfPatientID']);

/**
 * Keys that only live inside sequence items. Some consoles send, say, Modality or the Scheduled
 * Station AE Title at the top level; no stored item has them there, so matching them would answer
 * nothing at all. DCMTK's wlmscpfs ignores them there, and so do we: they are return keys.
 */
const ONLY_IN_ITEMS: ReadonlySet<string> = new Set(
  Object.values(WORKLIST_ATTRIBUTES)
    .flatMap((def) => def.item ?? [])
    .filter((keyword) => !ALSO_AT_TOP_LEVEL.has(keyword)),
);

/** The definition a key is matched by in this scope, or undefined when it is a return key there. */
export function matchingKey(keyword: string, scope: Scope): AttributeDef | undefined {
  if (NEVER_MATCHED.has(keyword) || !Object.hasOwn(WORKLIST_ATTRIBUTES, keyword)) return undefined;
  const inScope = scope.level === 'top' ? !ONLY_IN_ITEMS.has(keyword) : scope.keys.has(keyword);
  return inScope ? WORKLIST_ATTRIBUTES[keyword] : undefined;
}

/**
 * Keys matched by single value only, as DCMTK's wlmscpfs does and the notes require: a `*` or `?`
 * in them is a literal character. A value of only `*` is still universal.
 */
export const SINGLE_VALUE_ONLY: ReadonlySet<string> = new Set([
  'PatientID',
  'Modality',
  'ScheduledStationAETitle',
]);

/** DA and TM keys of one moment, matched as one date-time range when both are given. */
export const DATE_TIME_PAIRS: readonly (readonly [date: string, time: string])[] = [
  ['ScheduledProcedureStepStartDate', 'ScheduledProcedureStepStartTime'],
];

export const STEP_SEQUENCE = 'ScheduledProcedureStepSequence';
export const STEP_STATUS = 'ScheduledProcedureStepStatus';
