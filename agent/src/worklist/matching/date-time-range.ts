/**
 * Range Matching on DA, TM and DT (PS3.4 C.2.2.2.5), and the combined date-time matching of a DA
 * key with its TM partner.
 *
 * Every moment is written as a fixed-width string of digits — DA `YYYYMMDD`, TM `HHMMSSffffff`,
 * DT `YYYYMMDDHHMMSSffffff` — so that comparing two of them is comparing strings. A value given
 * to less precision than that stands for the whole span it names: TM `0900` is 09:00:00.000000
 * to 09:00:59.999999 (seconds filled with `60` at the top, so a leap second still belongs to its
 * minute), DT `202611` is the whole month. A key's lower end is the start of its span and its
 * upper end the end of its span, so `0800-0930` includes 09:30:59; a single value matches
 * anything within its span. A stored value is a moment: the start of its span.
 */

export type TemporalVr = 'DA' | 'TM' | 'DT';

/** One key value: a single value (`lo`..`hi` is its span), `a-b`, `a-` or `-b`. */
export interface TemporalRange {
  form: 'single' | 'closed' | 'from' | 'until';
  /** Inclusive lower bound; undefined when open (`-b`). */
  lo: string | undefined;
  /** Inclusive upper bound; undefined when open (`a-`). */
  hi: string | undefined;
}

interface Span {
  lo: string;
  hi: string;
}

const DA = /^(\d{4})(\d{2})(\d{2})$/u;
const TM = /^(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?$/u;
const DT =
  /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?)?)?)?([+-]\d{4})?$/u;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function validDate(year: string, month: string, day: string): boolean {
  const m = Number(month);
  const d = Number(day);
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(Number(year), m);
}

function validTime(
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
): boolean {
  return (
    (hour === undefined || Number(hour) <= 23) &&
    (minute === undefined || Number(minute) <= 59) &&
    // 60: a leap second (PS3.5 6.2, TM).
    (second === undefined || Number(second) <= 60)
  );
}

function timeSpan(hour: string, minute?: string, second?: string, fraction?: string): Span {
  return {
    lo: `${hour}${minute ?? '00'}${second ?? '00'}${(fraction ?? '').padEnd(6, '0')}`,
    hi: `${hour}${minute ?? '59'}${second ?? '60'}${(fraction ?? '').padEnd(6, '9')}`,
  };
}

function parseDate(value: string): Span | undefined {
  const m = DA.exec(value);
  if (!m) return undefined;
  const [, year = '', month = '', day = ''] = m;
  return validDate(year, month, day) ? { lo: value, hi: value } : undefined;
}

function parseTime(value: string): Span | undefined {
  const m = TM.exec(value);
  if (!m) return undefined;
  const [, hour = '', minute, second, fraction] = m;
  return validTime(hour, minute, second) ? timeSpan(hour, minute, second, fraction) : undefined;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * A DT moment moved to UTC by its offset. Only the minutes and what is above them move (offsets
 * are whole minutes), so seconds and fraction — a leap second included — are kept as written.
 */
function toUtc(moment: string, offsetMinutes: number): string {
  if (offsetMinutes === 0) return moment;
  const date = new Date(0);
  date.setUTCFullYear(Number(moment.slice(0, 4)), Number(moment.slice(4, 6)) - 1, Number(moment.slice(6, 8)));
  date.setUTCHours(Number(moment.slice(8, 10)), Number(moment.slice(10, 12)) - offsetMinutes, 0, 0);
  const year = date.getUTCFullYear();
  // Beyond 0000..9999 the fixed width would break; such moments sort before or after everything.
  if (year < 0) return '0'.repeat(20);
  if (year > 9999) return '9'.repeat(20);
  return (
    pad(year, 4) +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    moment.slice(12)
  );
}

/**
 * DT, with its UTC offset applied when it has one. A DT without an offset is compared as written:
 * the dictionary has no DT key today, and the local time zone is not the matcher's to know.
 */
function parseDateTime(value: string): Span | undefined {
  const m = DT.exec(value);
  if (!m) return undefined;
  const [, year = '', month, day, hour, minute, second, fraction, offset] = m;
  const lastDay = (y: string, mo: string) => pad(daysInMonth(Number(y), Number(mo)), 2);
  if (month !== undefined && !validDate(year, month, day ?? '01')) return undefined;
  if (!validTime(hour, minute, second)) return undefined;
  let offsetMinutes = 0;
  if (offset !== undefined) {
    const hours = Number(offset.slice(1, 3));
    const minutes = Number(offset.slice(3, 5));
    if (minutes > 59 || hours * 60 + minutes > 14 * 60) return undefined;
    offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const time =
    hour === undefined
      ? { lo: '000000000000', hi: '235960999999' }
      : timeSpan(hour, minute, second, fraction);
  const lo = `${year}${month ?? '01'}${day ?? '01'}${time.lo}`;
  const hi = `${year}${month ?? '12'}${day ?? lastDay(year, month ?? '12')}${time.hi}`;
  return { lo: toUtc(lo, offsetMinutes), hi: toUtc(hi, offsetMinutes) };
}

const PARSERS: Readonly<Record<TemporalVr, (value: string) => Span | undefined>> = {
  DA: parseDate,
  TM: parseTime,
  DT: parseDateTime,
};

function range(first: Span | undefined, second: Span | undefined): TemporalRange {
  if (first && second) return { form: 'closed', lo: first.lo, hi: second.hi };
  if (first) return { form: 'from', lo: first.lo, hi: undefined };
  return { form: 'until', lo: undefined, hi: second?.hi };
}

/**
 * One key value (one member of a `\` list), or undefined when it is neither a valid value nor a
 * valid range — the caller refuses the query. `-` alone names no bound at all and is refused too.
 */
export function parseTemporalKey(vr: TemporalVr, value: string): TemporalRange | undefined {
  const parse = PARSERS[vr];
  const single = parse(value);
  if (single) return { form: 'single', lo: single.lo, hi: single.hi };
  // A DT may hold a `-` of its own (a negative UTC offset): try every `-` as the range separator.
  for (let at = value.indexOf('-'); at >= 0; at = value.indexOf('-', at + 1)) {
    const left = value.slice(0, at);
    const right = value.slice(at + 1);
    if (left === '' && right === '') return undefined;
    const first = left === '' ? undefined : parse(left);
    const second = right === '' ? undefined : parse(right);
    if ((left === '' || first) && (right === '' || second)) return range(first, second);
    if (vr !== 'DT') return undefined;
  }
  return undefined;
}

/**
 * A stored value as a moment, or undefined when it is not a valid value (such an item does not
 * match a non-universal key: it has no usable value for it).
 */
export function storedMoment(vr: TemporalVr, value: string): string | undefined {
  // Stored values were validated when the order was created and are nearly always `YYYYMMDD` and
  // `HHMMSS`: those take a path without RegExp or allocation, since this runs for every item.
  if (vr === 'DA') return value.length === 8 && allDigits(value) ? value : undefined;
  if (vr === 'TM' && value.length === 6 && allDigits(value)) return `${value}000000`;
  return PARSERS[vr](value)?.lo;
}

function allDigits(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

export function inRange(key: TemporalRange, moment: string): boolean {
  return (key.lo === undefined || moment >= key.lo) && (key.hi === undefined || moment <= key.hi);
}

/**
 * Combined datetime matching (PS3.4 C.2.2.2.5, "a pair of Attributes of VR DA and TM, both of
 * which specify the same form of Range Matching"): the date and time keys are concatenated into
 * one date-time range, so `20261122-20261123` with `2200-0600` is 22 Nov 22:00 to 23 Nov 06:00
 * — not "22:00 to 06:00 on each day", which the standard cannot express (no range crosses
 * midnight). Undefined when the two forms differ (`20261122` with `0800-1000`); the keys are then
 * matched each on its own, as the standard and DCMTK do.
 */
export function combineDateAndTime(date: TemporalRange, time: TemporalRange): TemporalRange | undefined {
  if (date.form !== time.form) return undefined;
  return {
    form: date.form,
    lo: date.lo === undefined || time.lo === undefined ? undefined : date.lo + time.lo,
    hi: date.hi === undefined || time.hi === undefined ? undefined : date.hi + time.hi,
  };
}
