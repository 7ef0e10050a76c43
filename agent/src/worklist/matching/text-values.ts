import type { Vr } from '../worklist-attributes.js';

/** The VRs a matching key can have: every dictionary VR except sequences. */
export type ValueVr = Exclude<Vr, 'SQ'>;

/**
 * The longest key value we accept, per value of a `\` list. PS3.5 6.2 lengths, except: DA, TM and
 * DT leave room for a range of two values and the `-` (a DA range is 17, 18 with a stray space);
 * PN is per component group (checked by the caller). A key longer than this can never match a
 * stored value (those were validated against the same lengths when the order was created), so it
 * is refused as a malformed query rather than silently answering nothing.
 */
export const MAX_KEY_LENGTH: Readonly<Record<ValueVr, number>> = {
  AE: 16,
  CS: 16,
  DA: 18,
  DS: 16,
  DT: 53,
  IS: 12,
  LO: 64,
  LT: 10_240,
  PN: 64,
  SH: 16,
  TM: 33,
  UI: 64,
  US: 5,
};

/** String VRs on which `*` and `?` are wildcards (PS3.4 C.2.2.2.4 excludes dates, times, UIDs, numbers). */
export function allowsWildcards(vr: ValueVr): boolean {
  return vr === 'AE' || vr === 'CS' || vr === 'LO' || vr === 'LT' || vr === 'PN' || vr === 'SH';
}

/** LT is single-valued: a backslash in it is text, not a value separator. */
export function isMultiValued(vr: ValueVr): boolean {
  return vr !== 'LT';
}

/** Text in the Specific Character Set: compared after Unicode normalisation (NFC). */
export function usesCharacterSet(vr: ValueVr): boolean {
  return vr === 'LO' || vr === 'LT' || vr === 'PN' || vr === 'SH';
}

const SPACE = 0x20;
const NUL = 0x00;

/**
 * One value without its padding. Trailing spaces (NUL for UI, and NUL anywhere a careless SCU put
 * it) always go. Leading spaces are insignificant for every VR here except LT (PS3.5 table 6.2-1);
 * for PN the standard keeps them, but DCMTK ignores them and so do we — no name starts with one.
 */
export function trimValue(vr: ValueVr, value: string): string {
  let end = value.length;
  while (end > 0) {
    const c = value.charCodeAt(end - 1);
    if (c !== SPACE && c !== NUL) break;
    end--;
  }
  let start = 0;
  if (vr !== 'LT') while (start < end && value.charCodeAt(start) === SPACE) start++;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/**
 * A key or stored value as its list of values, each trimmed, empty ones dropped (an empty member of
 * a list would otherwise make the whole key universal, which no SCU means).
 */
export function splitValues(vr: ValueVr, value: string): string[] {
  if (!isMultiValued(vr) || !value.includes('\\')) {
    const one = trimValue(vr, value);
    return one === '' ? [] : [one];
  }
  const values: string[] = [];
  for (const part of value.split('\\')) {
    const one = trimValue(vr, part);
    if (one !== '') values.push(one);
  }
  return values;
}

/** Length in characters (code points), as PS3.5 counts them — not UTF-16 units, not bytes. */
export function characterLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** NFC, so that a `ü` typed as u + combining diaeresis matches the stored precomposed one. */
export function normalizeText(value: string): string {
  // ASCII is its own NFC; most values are ASCII, and this runs for every item.
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return value.normalize('NFC');
  return value;
}
