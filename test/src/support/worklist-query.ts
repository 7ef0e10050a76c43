import { findscu, type DumpItem } from './dcmtk.js';

/** Keys of a query as dcmdump writes them, `'(0010,0010) PN'` → value; an empty value asks for it back. */
export type DumpKeys = Record<string, string>;

const keyLines = (keys: DumpKeys, indent = ''): string[] =>
  Object.entries(keys).map(([key, value]) => `${indent}${key} [${value}]`);

/** Keys as dcmdump text, one a line, for a query that adds lines of its own. */
export const keysDump = (keys: DumpKeys): string => keyLines(keys).join('\n');

/** The Scheduled Procedure Step Sequence (0040,0100) with one item holding `keys`, as dcmdump text. */
export function stepSequenceDump(keys: DumpKeys): string {
  return [
    '(0040,0100) SQ (Sequence with explicit length #=1)',
    `  (fffe,e000) na (Item with explicit length #=${Object.keys(keys).length})`,
    ...keyLines(keys, '    '),
    '  (fffe,e00d) na (ItemDelimitationItem for re-encoding)',
    '(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)',
  ].join('\n');
}

/** A Modality Worklist query as dcmdump text (for dump2dcm): top-level keys, then one step item. */
export function worklistQueryDump(keys: DumpKeys, stepKeys: DumpKeys): string {
  return [...keyLines(keys), stepSequenceDump(stepKeys)].join('\n');
}

/** One worklist query file sent with `findscu -W` that must succeed: the items the worklist answered. */
export async function worklistItems(
  port: number,
  queryFile: string,
  opts: { callingAe?: string } = {},
): Promise<DumpItem[]> {
  const r = await findscu({ port, queryFiles: [queryFile], ...opts });
  if (r.finalStatuses[0] !== '0000') {
    throw new Error(`worklist query failed: ${r.finalStatuses.join(',')}\n${r.log}`);
  }
  return r.responses;
}

/** The Patient's Name of each item, as the modality's list would show it. */
export const patientNames = (items: DumpItem[]): string[] =>
  items.map((x) => (typeof x.PatientName === 'string' ? x.PatientName : ''));
