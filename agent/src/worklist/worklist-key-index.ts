import type { WlItem } from '@lightbox/protocol';

/**
 * The identifiers a console queries for one patient or procedure, each mapped to the orders that
 * carry it. A single-match query then looks at a handful of candidates instead of the whole
 * worklist, so its time stays flat as the worklist grows. The matcher still decides: the index
 * only narrows, and normalises (trim, upper case) so that it never misses a match.
 */
export type IndexedKey =
  'AccessionNumber' | 'PatientID' | 'RequestedProcedureID' | 'StudyInstanceUID' | 'ScheduledProcedureStepID';

export const INDEXED_KEYS: readonly IndexedKey[] = [
  'AccessionNumber',
  'StudyInstanceUID',
  'ScheduledProcedureStepID',
  'RequestedProcedureID',
  'PatientID',
];

const text = (v: unknown): string => (typeof v === 'string' ? v.trim().toUpperCase() : '');

export function keyValue(item: WlItem, key: IndexedKey): string {
  if (key === 'ScheduledProcedureStepID') {
    const seq = item.ScheduledProcedureStepSequence;
    return text(Array.isArray(seq) ? seq[0]?.ScheduledProcedureStepID : undefined);
  }
  return text(item[key]);
}

export class WorklistKeyIndex {
  private readonly maps = new Map<IndexedKey, Map<string, Set<string>>>(
    INDEXED_KEYS.map((k) => [k, new Map<string, Set<string>>()]),
  );

  add(orderId: string, item: WlItem): void {
    for (const key of INDEXED_KEYS) {
      const value = keyValue(item, key);
      if (value === '') continue;
      const map = this.maps.get(key)!;
      let ids = map.get(value);
      if (!ids) map.set(value, (ids = new Set()));
      ids.add(orderId);
    }
  }

  delete(orderId: string, item: WlItem): void {
    for (const key of INDEXED_KEYS) {
      const value = keyValue(item, key);
      const ids = this.maps.get(key)!.get(value);
      ids?.delete(orderId);
      if (ids?.size === 0) this.maps.get(key)!.delete(value);
    }
  }

  clear(): void {
    for (const map of this.maps.values()) map.clear();
  }

  /**
   * The orders a query can match, when it names one of the keys exactly (no wildcards; a UID list
   * is several exact values); undefined when the query must look at everything.
   */
  candidates(query: WlItem): Set<string> | undefined {
    for (const key of INDEXED_KEYS) {
      const raw = key === 'ScheduledProcedureStepID' ? stepValue(query) : query[key];
      if (typeof raw !== 'string') continue;
      const value = raw.trim();
      if (value === '' || value.includes('*') || value.includes('?')) continue;
      const found = new Set<string>();
      const values = key === 'StudyInstanceUID' ? value.split('\\') : [value];
      for (const v of values)
        for (const id of this.maps.get(key)!.get(v.trim().toUpperCase()) ?? []) found.add(id);
      return found;
    }
    return undefined;
  }
}

function stepValue(query: WlItem): unknown {
  const seq = query.ScheduledProcedureStepSequence;
  return Array.isArray(seq) ? seq[0]?.ScheduledProcedureStepID : undefined;
}
