import { rm } from 'node:fs/promises';
import path from 'node:path';
import { and, asc, isNotNull, isNull, lt, lte, sql } from 'drizzle-orm';
import type { AgentDatabase } from '../db/agent-database.js';
import {
  instanceDeliveries,
  instanceForwards,
  linkState,
  spoolPurges,
  storedInstances,
} from '../db/schema.js';
import { sameInstanceVersion } from '../db/same-instance-version.js';
import type { Logger } from '../log.js';

export interface SpoolRetentionOptions {
  database: AgentDatabase;
  spoolRoot: string;
  /** Spool files older than this may go; 0 keeps everything. */
  retentionMs: number;
  /** When a PACS is configured, a file goes only once the PACS has it (or forwarding gave up). */
  forwarding: boolean;
  log: Logger;
  clock?: () => number;
}

const BATCH = 500;
/** Under disk pressure free space is read again after this many removals. */
const FREE_SPACE_BATCH = 16;

/**
 * Keeps the modality PC's disk from filling: removes spool files the agent no longer needs — the
 * plugin acknowledged the instance's delivery, the PACS took it when one is configured, and it is
 * older than the retention period. Nothing that has not safely left the PC is ever removed.
 */
export class SpoolRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(private readonly opts: SpoolRetentionOptions) {}

  start(everyMs = 3_600_000): void {
    if (this.opts.retentionMs <= 0) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns how many files were removed. Errors are logged, and retried next pass. */
  sweep(): Promise<number> {
    if (this.opts.retentionMs <= 0) return Promise.resolve(0);
    const cutoff = new Date((this.opts.clock ?? Date.now)() - this.opts.retentionMs).toISOString();
    return this.exclusive(() => this.purge(cutoff, BATCH), 'spool files past retention removed');
  }

  /**
   * The disk is low: removes spool files the agent no longer needs whatever their age, oldest first,
   * a few at a time until `enough` says there is room again. Only when retention is enabled: without
   * it the practice chose to keep every original, and the disk guard refusing C-STOREs is the answer.
   */
  freeSpace(enough: () => Promise<boolean>): Promise<number> {
    if (this.opts.retentionMs <= 0) return Promise.resolve(0);
    const now = new Date((this.opts.clock ?? Date.now)() + 1).toISOString();
    return this.exclusive(
      () => this.purge(now, FREE_SPACE_BATCH, enough),
      'disk low: delivered spool files removed before their retention period',
    );
  }

  private exclusive(run: () => Promise<number>, removedMsg: string): Promise<number> {
    const next = (this.running ?? Promise.resolve(0))
      .then(run)
      .then((removed) => {
        if (removed > 0) this.opts.log.info(removedMsg, { files: removed });
        return removed;
      })
      .catch((err: unknown) => {
        this.opts.log.error('spool retention pass failed', {
          err: err instanceof Error ? err.message : String(err),
        });
        return 0;
      })
      .finally(() => {
        if (this.running === next) this.running = null;
      });
    this.running = next;
    return next;
  }

  private async purge(cutoff: string, batch: number, enough?: () => Promise<boolean>): Promise<number> {
    let removed = 0;
    for (let round = 0; round < 1_000; round++) {
      if (enough && (await enough())) break;
      const due = await this.due(cutoff, batch);
      if (due.length === 0) break;
      for (const row of due) {
        // The record first, then the file: a crash between leaves a file the next start may
        // never revisit (harmless), never a record of a file that is still needed.
        await this.opts.database.write(async (tx) => {
          await tx
            .insert(spoolPurges)
            .values({ ...row, purgedAt: new Date().toISOString() })
            .onConflictDoNothing();
        });
        await rm(path.join(this.opts.spoolRoot, ...row.relativePath.split('/')), { force: true });
        removed++;
      }
    }
    return removed;
  }

  private due(cutoff: string, limit: number) {
    const { db } = this.opts.database;
    const acked = sql`(select ${linkState.ackedOutSeq} from ${linkState} where ${linkState.id} = 1)`;
    return db
      .select({
        sopInstanceUid: storedInstances.sopInstanceUid,
        sha256: storedInstances.sha256,
        relativePath: storedInstances.relativePath,
      })
      .from(storedInstances)
      .innerJoin(instanceDeliveries, sameInstanceVersion(instanceDeliveries))
      .leftJoin(instanceForwards, sameInstanceVersion(instanceForwards))
      .leftJoin(spoolPurges, sameInstanceVersion(spoolPurges))
      .where(
        and(
          lt(storedInstances.receivedAt, cutoff),
          isNull(spoolPurges.purgedAt),
          // Delivered means acknowledged by the plugin, not merely queued in the outbox.
          lte(instanceDeliveries.outSeq, acked),
          this.opts.forwarding ? isNotNull(instanceForwards.outcome) : undefined,
        ),
      )
      .orderBy(asc(storedInstances.receivedAt))
      .limit(limit);
  }
}
