import { VISIBLE_BY_DEFAULT_STATUS, type WlItem, type WlValue } from '../worklist-attributes.js';
import { combineDateAndTime, inRange, storedMoment, type TemporalRange } from './date-time-range.js';
import {
  DATE_TIME_PAIRS,
  itemScope,
  matchingKey,
  SINGLE_VALUE_ONLY,
  STEP_SEQUENCE,
  STEP_STATUS,
  TOP,
  type Scope,
} from './key-scope.js';
import { failure, keyComment, type QueryCheck } from './query-check.js';
import { splitValues, trimValue, type ValueVr } from './text-values.js';
import { compileKey, type KeyMatcher } from './value-matchers.js';

export type { QueryCheck } from './query-check.js';

/**
 * The Modality Worklist matcher (PS3.4 C.2.2.2, K.6.1.2): a C-FIND identifier, already decoded
 * into the worklist value model, against the stored worklist items. A query is compiled once into
 * a predicate — patterns, ranges and UID sets built up front — and the predicate is run per item.
 */

export interface MatchOptions {
  /**
   * PN keys (all of them, not only Patient's Name) compare case-insensitively. Callers default it
   * to true; wildcards and non-ASCII letters (ü, ñ, Ł) fold too.
   */
  patientNameCaseInsensitive: boolean;
}

type ItemPredicate = (item: WlItem) => boolean;
type KeyTest = Extract<KeyMatcher, { kind: 'match' }>;
type Compiled = { ok: true; predicates: ItemPredicate[] } | { ok: false; comment: string };

const NOTHING: ItemPredicate = () => false;
const DEFAULTS: MatchOptions = { patientNameCaseInsensitive: true };

/**
 * Whether the query can be matched at all. A failure carries the DIMSE status (A900) and an Error
 * Comment naming the key and the value; the caller answers with it and keeps the association.
 */
export function checkQuery(query: WlItem): QueryCheck {
  const compiled = compileIdentifier(query, DEFAULTS);
  return compiled.ok ? { ok: true } : failure(compiled.comment);
}

/**
 * The query as a predicate over stored items. A query that fails checkQuery matches nothing —
 * callers check first and answer with the failure instead.
 */
export function compileQuery(query: WlItem, options: MatchOptions): (item: WlItem) => boolean {
  const compiled = compileIdentifier(query, options);
  return compiled.ok ? allOf(compiled.predicates) : NOTHING;
}

export function itemMatches(query: WlItem, item: WlItem, options: MatchOptions): boolean {
  return compileQuery(query, options)(item);
}

function allOf(predicates: readonly ItemPredicate[]): ItemPredicate {
  const [only] = predicates;
  if (predicates.length === 0) return () => true;
  if (predicates.length === 1 && only) return only;
  return (item) => {
    for (const predicate of predicates) if (!predicate(item)) return false;
    return true;
  };
}

/** The identifier: its own keys, plus the Scheduled Procedure Step, always (status hiding). */
function compileIdentifier(query: WlItem, options: MatchOptions): Compiled {
  const top = compileItem(query, TOP, options, STEP_SEQUENCE);
  if (!top.ok) return top;
  const step = compileStepSequence(query[STEP_SEQUENCE], options);
  if (!step.ok) return step;
  return { ok: true, predicates: [...top.predicates, ...step.predicates] };
}

/**
 * The keys of one item (the identifier or a sequence item) as predicates; universal keys and
 * return keys contribute none. `skip` is a key compiled by the caller instead.
 */
function compileItem(query: WlItem, scope: Scope, options: MatchOptions, skip?: string): Compiled {
  const predicates: ItemPredicate[] = [];
  const keys = new Map<string, KeyTest>();
  for (const [keyword, value] of Object.entries(query)) {
    if (value === undefined || keyword === skip) continue;
    const def = matchingKey(keyword, scope);
    if (!def) continue;
    const vr = def.vr;
    if (vr === 'SQ') {
      const item = sequenceItem(keyword, value);
      if (!item.ok) return item;
      if (!item.query) continue;
      const nested = compileItem(item.query, itemScope(def), options);
      if (!nested.ok) return nested;
      // An item whose keys are all universal makes the sequence universal (PS3.4 C.2.2.2.6).
      if (nested.predicates.length > 0) predicates.push(anyItemOf(keyword, allOf(nested.predicates)));
      continue;
    }
    const key = compileValueKey(keyword, vr, value, options);
    if (key.kind === 'invalid') return { ok: false, comment: keyComment(keyword, key.problem, key.value) };
    if (key.kind === 'match') keys.set(keyword, key);
  }
  for (const [date, time] of DATE_TIME_PAIRS) {
    const combined = combinedRange(keys.get(date), keys.get(time));
    if (!combined) continue;
    keys.delete(date);
    keys.delete(time);
    predicates.push(dateTimePredicate(date, time, combined));
  }
  for (const [keyword, key] of keys) {
    const test = key.test;
    predicates.push((item) => {
      const stored = item[keyword];
      // No value for a non-universal key never matches.
      return typeof stored === 'string' && test(stored);
    });
  }
  return { ok: true, predicates };
}

function compileValueKey(keyword: string, vr: ValueVr, value: WlValue, options: MatchOptions): KeyMatcher {
  // The decoder gives items for a key sent as a sequence; an empty one is just an empty key.
  if (Array.isArray(value)) {
    return value.length === 0
      ? { kind: 'universal' }
      : { kind: 'invalid', problem: `items, not a ${vr} value` };
  }
  return compileKey(vr, value, {
    caseInsensitive: options.patientNameCaseInsensitive,
    singleValueOnly: SINGLE_VALUE_ONLY.has(keyword),
  });
}

/**
 * A query sequence: none or one item. An empty sequence (or a zero-length value) is universal;
 * more than one item is an error — the standard gives a key sequence exactly one item.
 */
function sequenceItem(
  keyword: string,
  value: WlValue | undefined,
): { ok: true; query: WlItem | undefined } | { ok: false; comment: string } {
  if (value === undefined) return { ok: true, query: undefined };
  if (typeof value === 'string') {
    return trimValue('CS', value) === ''
      ? { ok: true, query: undefined }
      : { ok: false, comment: keyComment(keyword, 'a value, not items', value) };
  }
  if (value.length > 1)
    return { ok: false, comment: keyComment(keyword, `${value.length} items, 1 allowed`) };
  return { ok: true, query: value[0] };
}

function anyItemOf(keyword: string, matches: ItemPredicate): ItemPredicate {
  return (item) => {
    const stored = item[keyword];
    return Array.isArray(stored) && stored.some(matches);
  };
}

/** Both keys of a date-time pair as one range, when both are single ranges of the same form. */
function combinedRange(date: KeyTest | undefined, time: KeyTest | undefined): TemporalRange | undefined {
  const [dateRange, ...moreDates] = date?.temporal ?? [];
  const [timeRange, ...moreTimes] = time?.temporal ?? [];
  // A `\` list in either key: no single range to combine, each is matched on its own.
  if (!dateRange || !timeRange || moreDates.length > 0 || moreTimes.length > 0) return undefined;
  return combineDateAndTime(dateRange, timeRange);
}

function dateTimePredicate(date: string, time: string, range: TemporalRange): ItemPredicate {
  return (item) => {
    const storedDate = item[date];
    const storedTime = item[time];
    if (typeof storedDate !== 'string' || typeof storedTime !== 'string') return false;
    const day = storedMoment('DA', trimValue('DA', storedDate));
    const moment = storedMoment('TM', trimValue('TM', storedTime));
    return day !== undefined && moment !== undefined && inRange(range, day + moment);
  };
}

/**
 * The Scheduled Procedure Step Sequence, which every query matches even when it does not ask:
 * unless the query names a status, steps that have started, ended or been cancelled are hidden,
 * so only SCHEDULED steps (or steps with no status) match — as dcm4chee does. A status key is a
 * CS key like any other: a `\` list of statuses, or `*` for every status, is fine.
 */
function compileStepSequence(value: WlValue | undefined, options: MatchOptions): Compiled {
  const item = sequenceItem(STEP_SEQUENCE, value);
  if (!item.ok) return item;
  const def = matchingKey(STEP_SEQUENCE, TOP);
  if (!def) return { ok: true, predicates: [] };
  const nested = compileItem(item.query ?? {}, itemScope(def), options);
  if (!nested.ok) return nested;
  const matches = allOf(nested.predicates);
  const status = item.query?.[STEP_STATUS];
  const asksForStatus = typeof status === 'string' && splitValues('CS', status).length > 0;
  if (asksForStatus) {
    return { ok: true, predicates: nested.predicates.length > 0 ? [anyItemOf(STEP_SEQUENCE, matches)] : [] };
  }
  const universal = nested.predicates.length === 0;
  return {
    ok: true,
    predicates: [
      (stored) => {
        const steps = stored[STEP_SEQUENCE];
        // An item without steps has no status to hide it by; it matches if nothing is asked of them.
        if (!Array.isArray(steps) || steps.length === 0) return universal;
        return steps.some((step) => visibleByDefault(step) && matches(step));
      },
    ],
  };
}

function visibleByDefault(step: WlItem): boolean {
  const status = step[STEP_STATUS];
  if (typeof status !== 'string') return true;
  const trimmed = trimValue('CS', status);
  return trimmed === '' || trimmed === VISIBLE_BY_DEFAULT_STATUS;
}
