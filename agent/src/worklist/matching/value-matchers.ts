import {
  inRange,
  parseTemporalKey,
  storedMoment,
  type TemporalRange,
  type TemporalVr,
} from './date-time-range.js';
import { personNameMatcher, preparePersonName } from './person-name.js';
import {
  allowsWildcards,
  characterLength,
  MAX_KEY_LENGTH,
  normalizeText,
  splitValues,
  trimValue,
  usesCharacterSet,
  type ValueVr,
} from './text-values.js';
import { hasWildcard, isOnlyStars, wildcardRegExp } from './wildcard-pattern.js';

/**
 * One non-sequence key compiled once per query: universal, a test for a stored value, or the
 * reason the key cannot be matched. A key may be a `\` list of values (List of UID Matching on UI;
 * on the other VRs a stored value matches when it matches any of them, as DCMTK does); a stored
 * multi-valued value matches when any of its values does.
 */
export type KeyMatcher =
  | { kind: 'universal' }
  | {
      kind: 'match';
      /** The stored value as kept (padding allowed); an empty one never matches. */
      test: (stored: string) => boolean;
      /** DA/TM/DT keys: the parsed ranges, for combined date-time matching. */
      temporal?: readonly TemporalRange[];
    }
  | { kind: 'invalid'; problem: string; value?: string };

export interface KeyContext {
  /** PN only: compare case-insensitively. */
  caseInsensitive: boolean;
  /** `*` and `?` are literal characters in this key (a value of only `*` stays universal). */
  singleValueOnly: boolean;
}

const UNIVERSAL: KeyMatcher = { kind: 'universal' };
const UID = /^[0-9.]+$/u;
const DS = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/u;
const IS = /^[+-]?\d+$/u;
const US = /^\d+$/u;

export function compileKey(vr: ValueVr, key: string, context: KeyContext): KeyMatcher {
  const values = splitValues(vr, key);
  if (values.length === 0) return UNIVERSAL;
  const wildcards = allowsWildcards(vr) && !context.singleValueOnly;
  if (allowsWildcards(vr) && values.some(isOnlyStars)) return UNIVERSAL;
  for (const value of values) {
    const problem = lengthProblem(vr, value, wildcards);
    if (problem) return { kind: 'invalid', problem, value };
  }
  switch (vr) {
    case 'AE':
    case 'CS':
    case 'LO':
    case 'LT':
    case 'SH':
      return textKey(vr, values, wildcards);
    case 'PN':
      return personNameKey(values, wildcards, context.caseInsensitive);
    case 'UI':
      return uidKey(values);
    case 'DA':
    case 'TM':
    case 'DT':
      return temporalKey(vr, values);
    case 'DS':
    case 'IS':
    case 'US':
      return numberKey(vr, values);
  }
}

/**
 * Lengths are counted in characters. A `*` may match nothing, so in a wildcard key it does not
 * count: `*` plus sixteen characters is a fair SH key.
 */
function lengthProblem(vr: ValueVr, value: string, wildcards: boolean): string | undefined {
  const max = MAX_KEY_LENGTH[vr];
  const counted = wildcards ? value.replaceAll('*', '') : value;
  if (vr === 'PN') {
    const long = counted.split('=').some((group) => group.length > max && characterLength(group) > max);
    return long ? `PN group over ${max} chars` : undefined;
  }
  return counted.length > max && characterLength(counted) > max ? `${vr} over ${max} chars` : undefined;
}

/** Test any value of a stored value, each prepared once, against any of the key's tests. */
function anyValue<T>(
  vr: ValueVr,
  prepare: (value: string) => T | undefined,
  tests: readonly ((candidate: T) => boolean)[],
): (stored: string) => boolean {
  return (stored) => {
    // Nearly every stored value is a single one: test it without building a list.
    if (!stored.includes('\\')) {
      const value = trimValue(vr, stored);
      const candidate = value === '' ? undefined : prepare(value);
      if (candidate === undefined) return false;
      for (const test of tests) if (test(candidate)) return true;
      return false;
    }
    for (const value of splitValues(vr, stored)) {
      const candidate = prepare(value);
      if (candidate === undefined) continue;
      for (const test of tests) if (test(candidate)) return true;
    }
    return false;
  };
}

/** AE, CS, LO, LT, SH: case-sensitive (PS3.4 C.2.2.2.1), wildcards where allowed. */
function textKey(vr: ValueVr, values: readonly string[], wildcards: boolean): KeyMatcher {
  const prepare = usesCharacterSet(vr) ? normalizeText : (value: string) => value;
  const tests = values.map((raw): ((candidate: string) => boolean) => {
    const value = prepare(raw);
    if (wildcards && hasWildcard(value)) {
      const pattern = wildcardRegExp(value);
      return (candidate) => pattern.test(candidate);
    }
    return (candidate) => candidate === value;
  });
  return { kind: 'match', test: anyValue(vr, prepare, tests) };
}

function personNameKey(values: readonly string[], wildcards: boolean, caseInsensitive: boolean): KeyMatcher {
  const tests: ((candidate: string) => boolean)[] = [];
  for (const raw of values) {
    const test = personNameMatcher(preparePersonName(raw, caseInsensitive), wildcards);
    // A value of only delimiters and stars names nobody in particular: the key is universal.
    if (!test) return UNIVERSAL;
    tests.push(test);
  }
  return {
    kind: 'match',
    test: anyValue('PN', (value) => preparePersonName(value, caseInsensitive), tests),
  };
}

/** Single value or List of UID Matching (PS3.4 C.2.2.2.2): exact, no wildcards. */
function uidKey(values: readonly string[]): KeyMatcher {
  const bad = values.find((value) => !UID.test(value));
  if (bad !== undefined) return { kind: 'invalid', problem: 'bad UI', value: bad };
  const uids = new Set(values);
  return { kind: 'match', test: anyValue('UI', (value) => value, [(candidate) => uids.has(candidate)]) };
}

function temporalKey(vr: TemporalVr, values: readonly string[]): KeyMatcher {
  const ranges: TemporalRange[] = [];
  for (const value of values) {
    const parsed = parseTemporalKey(vr, value);
    if (!parsed) return { kind: 'invalid', problem: `bad ${vr}`, value };
    ranges.push(parsed);
  }
  const tests = ranges.map((key) => (moment: string) => inRange(key, moment));
  return {
    kind: 'match',
    test: anyValue(vr, (value) => storedMoment(vr, value), tests),
    temporal: ranges,
  };
}

/** DS, IS, US: compared as numbers, so `31.50` finds `31.5`. No wildcards, no ranges. */
function numberKey(vr: 'DS' | 'IS' | 'US', values: readonly string[]): KeyMatcher {
  const format = vr === 'DS' ? DS : vr === 'IS' ? IS : US;
  const numbers: number[] = [];
  for (const value of values) {
    const n = Number(value);
    if (!format.test(value) || !Number.isFinite(n) || (vr === 'US' && n > 0xffff)) {
      return { kind: 'invalid', problem: `bad ${vr}`, value };
    }
    numbers.push(n);
  }
  const prepare = (value: string): number | undefined => {
    const n = Number(value);
    return format.test(value) && Number.isFinite(n) ? n : undefined;
  };
  return {
    kind: 'match',
    test: anyValue(
      vr,
      prepare,
      numbers.map((n) => (c: number) => c === n),
    ),
  };
}
