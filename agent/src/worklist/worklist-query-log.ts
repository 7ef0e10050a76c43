import type { WorklistQuerySeen } from '@lightbox/protocol';
import type { RequestedKey } from './encoding/worklist-query.js';
import type { WlItem } from './worklist-attributes.js';

/** Calling AE titles remembered; the least recently heard is forgotten first. */
const MAX_CALLERS = 32;
const MAX_KEYS = 32;

/**
 * The last worklist query of each calling AE title, kept in memory for the status report: while a
 * console is being set up, the engineer sees whether it asked, with which keys, and what it got.
 * Memory is enough; after a restart the next query from the console shows again.
 */
export class WorklistQueryLog {
  private readonly byCaller = new Map<string, WorklistQuerySeen>();

  record(entry: {
    callingAe: string;
    keys?: WlItem;
    requested?: RequestedKey[];
    matched: number;
    sent: number;
    outcome: string;
    comment?: string;
    at?: Date;
  }): void {
    const seen: WorklistQuerySeen = {
      callingAe: entry.callingAe.slice(0, 64),
      at: (entry.at ?? new Date()).toISOString(),
      keys: entry.keys ? matchingKeys(entry.keys) : [],
      requestedKeys: entry.requested ? countRequested(entry.requested) : 0,
      matched: entry.matched,
      sent: entry.sent,
      outcome: entry.outcome.slice(0, 32),
      ...(entry.comment ? { comment: entry.comment.slice(0, 128) } : {}),
    };
    this.byCaller.delete(seen.callingAe);
    this.byCaller.set(seen.callingAe, seen);
    if (this.byCaller.size > MAX_CALLERS) this.byCaller.delete(this.byCaller.keys().next().value!);
  }

  /** The most recently heard caller first. */
  list(): WorklistQuerySeen[] {
    return [...this.byCaller.values()].reverse();
  }
}

/** Keys the query sent with a value (what it matched on), `Sequence>Keyword` inside an item. */
export function matchingKeys(keys: WlItem, prefix = ''): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const [keyword, value] of Object.entries(keys)) {
    if (out.length >= MAX_KEYS) break;
    if (typeof value === 'string') {
      if (value !== '') out.push({ key: `${prefix}${keyword}`.slice(0, 160), value: value.slice(0, 128) });
    } else if (Array.isArray(value)) {
      for (const item of value) out.push(...matchingKeys(item, `${prefix}${keyword}>`));
    }
  }
  return out.slice(0, MAX_KEYS);
}

function countRequested(requested: RequestedKey[]): number {
  return requested.reduce((n, k) => n + 1 + (k.nested ? countRequested(k.nested) : 0), 0);
}
