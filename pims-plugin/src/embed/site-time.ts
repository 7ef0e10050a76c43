import { localDateTime } from '../orders/worklist-mapping.js';

/**
 * The instant a wall-clock time of the site's zone names (DICOM dates and times are the practice's
 * wall clock, without a zone): the zone's offset is read at a first guess and again at the result,
 * which settles it on either side of a daylight-saving change.
 */
export function instantOfWallTime(local: string, timeZone: string): number {
  const asUtc = Date.parse(`${local.length === 10 ? `${local}T00:00:00` : local}Z`);
  if (Number.isNaN(asUtc)) return NaN;
  let instant = asUtc - offsetAt(asUtc, timeZone);
  instant = asUtc - offsetAt(instant, timeZone);
  return instant;
}

function offsetAt(instantMs: number, timeZone: string): number {
  const { date, time } = localDateTime(new Date(instantMs).toISOString(), timeZone);
  const wall = Date.UTC(
    Number(date.slice(0, 4)),
    Number(date.slice(4, 6)) - 1,
    Number(date.slice(6, 8)),
    Number(time.slice(0, 2)),
    Number(time.slice(2, 4)),
    Number(time.slice(4, 6)),
  );
  return wall - Math.floor(instantMs / 1000) * 1000;
}

/** `YYYY-MM-DD` and `HH:MM` of an instant on the site's wall clock. */
export function siteWallTime(instantMs: number, timeZone: string): { day: string; time: string } {
  const { date, time } = localDateTime(new Date(instantMs).toISOString(), timeZone);
  return {
    day: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`,
    time: `${time.slice(0, 2)}:${time.slice(2, 4)}`,
  };
}

/**
 * A date formatter of `options` for each zone asked for, built once per zone: building one costs
 * far more than formatting with it.
 */
export function formatterPerZone(
  locale: string,
  options: Omit<Intl.DateTimeFormatOptions, 'timeZone'>,
): (timeZone: string) => Intl.DateTimeFormat {
  const byZone = new Map<string, Intl.DateTimeFormat>();
  return (timeZone) => {
    let f = byZone.get(timeZone);
    if (!f) {
      f = new Intl.DateTimeFormat(locale, { ...options, timeZone });
      byZone.set(timeZone, f);
    }
    return f;
  };
}
