import { eq, sql } from 'drizzle-orm';
import type { Database, Db, Tx } from '../db/database.js';
import { connectorTraffic } from '../db/schema.js';
import { newestFirst } from '../webhooks/newest-first.js';

/** How many traffic rows each connector keeps; older ones are pruned. */
export const TRAFFIC_KEEP = 500;
/** How much of a message the traffic view shows. */
const EXCERPT_CHARS = 2_000;

export interface TrafficEntry {
  direction: 'in' | 'out';
  label: string;
  outcome: 'ok' | 'rejected' | 'failed';
  detail?: string | null;
  excerpt?: string | null;
}

/** A connector's last messages each way, for the staff screens and for whoever debugs an interface. */
export class TrafficLog {
  private sincePrune = 0;

  constructor(
    private readonly database: Database,
    readonly connectorId: string,
  ) {}

  /** Records inside the caller's transaction, so the entry exists exactly when what it tells of does. */
  async recordWithin(tx: Tx, entries: TrafficEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const at = new Date().toISOString();
    await tx.insert(connectorTraffic).values(
      entries.map((e) => ({
        connectorId: this.connectorId,
        direction: e.direction,
        at,
        label: e.label.slice(0, 200),
        outcome: e.outcome,
        detail: e.detail?.slice(0, 1_000) ?? null,
        excerpt: e.excerpt ? e.excerpt.slice(0, EXCERPT_CHARS) : null,
      })),
    );
    this.sincePrune += entries.length;
    if (this.sincePrune >= 100) {
      this.sincePrune = 0;
      await tx.run(sql`DELETE FROM ${connectorTraffic} WHERE ${connectorTraffic.connectorId} = ${this.connectorId}
        AND ${connectorTraffic.id} < (SELECT ${connectorTraffic.id} FROM ${connectorTraffic}
          WHERE ${connectorTraffic.connectorId} = ${this.connectorId}
          ORDER BY ${connectorTraffic.id} DESC LIMIT 1 OFFSET ${TRAFFIC_KEEP - 1})`);
    }
  }

  async record(entries: TrafficEntry[]): Promise<void> {
    await this.database.write((tx) => this.recordWithin(tx, entries));
  }
}

/** Newest first; `before` continues from the previous page. */
export async function readTraffic(
  db: Db,
  connectorId: string,
  q: { limit: number; before?: number | undefined; outcome?: TrafficEntry['outcome'] | undefined },
) {
  const { page, more } = await newestFirst(
    db,
    connectorTraffic,
    q,
    eq(connectorTraffic.connectorId, connectorId),
    q.outcome ? eq(connectorTraffic.outcome, q.outcome) : undefined,
  );
  return {
    items: page.map((r) => ({
      id: r.id,
      direction: r.direction,
      at: r.at,
      label: r.label,
      outcome: r.outcome,
      detail: r.detail,
      excerpt: r.excerpt,
    })),
    next: more && page.length > 0 ? String(page[page.length - 1]!.id) : null,
  };
}
