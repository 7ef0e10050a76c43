/** `2026-12-03 15:40` from an ISO time, in UTC: the screens name the zone once, in the header row. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** `20261203` or `2026-12-03…` as `2026-12-03`. */
export function dayOf(value: string | null | undefined): string | null {
  if (!value) return null;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(value);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/** A DICOM person name (`SMITH^MAX^^`) compared the way consoles differ: case, trailing carets. */
export function sameText(a: string | null, b: string | null): boolean {
  const norm = (v: string | null) => (v ?? '').split('=')[0]!.replace(/\^+$/, '').trim().toUpperCase();
  return norm(a) === norm(b);
}
