import { createHash } from 'node:crypto';
import type { WlItem, WorklistDigest, WorklistItem } from '@lightbox/protocol';
import type { AgentDb } from '../db/agent-database.js';
import { worklistItems } from '../db/schema.js';
import { WorklistKeyIndex } from './worklist-key-index.js';

export interface CachedItem {
  orderId: string;
  revision: number;
  status: WorklistItem['status'];
  attributes: WlItem;
}

/**
 * The worklist in memory, mirroring the journal's table: C-FIND reads only this, so a query never
 * waits on the database. It changes only after the transaction that changed the table committed.
 */
export class WorklistCopy {
  private readonly items = new Map<string, CachedItem>();
  private readonly index = new WorklistKeyIndex();
  /** Bumped on every change, so derived per-item caches (encoded responses) can tell they are stale. */
  private version = 0;

  async load(db: AgentDb): Promise<void> {
    const rows = await db.select().from(worklistItems);
    this.items.clear();
    this.index.clear();
    for (const r of rows) {
      const attributes = JSON.parse(r.attributesJson) as WlItem;
      this.items.set(r.orderId, {
        orderId: r.orderId,
        revision: r.revision,
        status: r.status,
        attributes,
      });
      this.index.add(r.orderId, attributes);
    }
    this.version++;
  }

  put(item: WorklistItem): void {
    const before = this.items.get(item.orderId);
    if (before) this.index.delete(item.orderId, before.attributes);
    this.items.set(item.orderId, { ...item });
    this.index.add(item.orderId, item.attributes);
    this.version++;
  }

  remove(orderId: string): void {
    const before = this.items.get(orderId);
    if (before) this.index.delete(orderId, before.attributes);
    this.items.delete(orderId);
    this.version++;
  }

  retainOnly(orderIds: ReadonlySet<string>): void {
    for (const id of [...this.items.keys()]) if (!orderIds.has(id)) this.remove(id);
    this.version++;
  }

  /**
   * The items a query can match: a few candidates when it names an indexed identifier exactly,
   * else everything.
   */
  candidatesFor(query: WlItem): Iterable<CachedItem> {
    const ids = this.index.candidates(query);
    if (!ids) return this.items.values();
    const found: CachedItem[] = [];
    for (const id of ids) {
      const item = this.items.get(id);
      if (item) found.push(item);
    }
    return found;
  }

  get(orderId: string): CachedItem | undefined {
    return this.items.get(orderId);
  }

  all(): IterableIterator<CachedItem> {
    return this.items.values();
  }

  get size(): number {
    return this.items.size;
  }

  get changeCount(): number {
    return this.version;
  }

  /** What the hello reports, so the plugin can tell whether this copy differs from its own view. */
  digest(): WorklistDigest {
    return worklistDigestOf([...this.items.values()]);
  }
}

export function worklistDigestOf(items: { orderId: string; revision: number }[]): WorklistDigest {
  const lines = items.map((i) => `${i.orderId}:${i.revision}`).sort();
  return { count: lines.length, sha256: createHash('sha256').update(lines.join('\n')).digest('hex') };
}
