import { instantOfWallTime } from '../../embed/site-time.js';

/** HL7 DT/DTM values: YYYY[MM[DD[HHMM[SS[.S…]]]]][+/-ZZZZ]. */
const DTM = /^(\d{4})(\d{2})?(\d{2})?(?:(\d{2})(\d{2})?(\d{2})?(?:\.\d{1,4})?)?([+-]\d{4})?$/;

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  zone: string | undefined;
  precision: 'year' | 'month' | 'day' | 'time';
}

function parts(value: string): Parts | null {
  const m = DTM.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, zone] = m;
  const p: Parts = {
    y: Number(y),
    mo: mo ? Number(mo) : 1,
    d: d ? Number(d) : 1,
    h: h ? Number(h) : 0,
    mi: mi ? Number(mi) : 0,
    s: s ? Number(s) : 0,
    zone,
    precision: h ? 'time' : d ? 'day' : mo ? 'month' : 'year',
  };
  if (p.mo < 1 || p.mo > 12 || p.h > 23 || p.mi > 59 || p.s > 59) return null;
  const daysInMonth = new Date(Date.UTC(p.y, p.mo, 0)).getUTCDate();
  if (p.d < 1 || p.d > daysInMonth) return null;
  if (zone) {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(3, 5));
    if (zh > 14 || zm > 59) return null;
  }
  return p;
}

/** A birth date as YYYY-MM-DD; null when it is not a real calendar date to the day. */
export function hl7Date(value: string): string | null {
  const p = parts(value);
  if (!p || p.precision === 'year' || p.precision === 'month') return null;
  return `${String(p.y).padStart(4, '0')}-${String(p.mo).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/**
 * A point in time as ISO 8601 UTC. Without a zone the value is the practice's wall clock (as PIMS on
 * the practice's own server send it), read in `timeZone`.
 */
export function hl7DateTime(value: string, timeZone: string): string | null {
  const p = parts(value);
  if (!p || p.precision === 'year' || p.precision === 'month') return null;
  const wall = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
  if (p.zone) {
    const sign = p.zone.startsWith('-') ? -1 : 1;
    const offsetMs = sign * (Number(p.zone.slice(1, 3)) * 60 + Number(p.zone.slice(3, 5))) * 60_000;
    return new Date(wall - offsetMs).toISOString();
  }
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const local = `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
  return new Date(instantOfWallTime(local, timeZone)).toISOString();
}
