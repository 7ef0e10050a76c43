import path from 'node:path';
import { asc, and, eq, isNull } from 'drizzle-orm';
import type { AgentDatabase } from '../db/agent-database.js';
import { instanceDeliveries, storedInstances } from '../db/schema.js';
import { enqueueForPlugin } from '../link/agent-outbox.js';
import type { Logger } from '../log.js';
import { CoalescingRunner } from '../support/coalescing-runner.js';
import { placeholderImages } from '../rendering/placeholder-image.js';
import type { RenderPool, RenderResult } from '../rendering/render-pool.js';
import { instanceMessage } from './instance-message.js';

type StoredRow = typeof storedInstances.$inferSelect;

export interface InstanceDeliveryOptions {
  database: AgentDatabase;
  spoolRoot: string;
  pool: RenderPool;
  /** How many instances render at once; the pool's size is the natural value. */
  concurrency: number;
  log: Logger;
  /** Wakes the link after the outbox grew. */
  notifyOutbox: () => void;
}

/**
 * Takes every stored instance to the plugin: renders its thumbnail and preview in the pool, then
 * writes the `instance.stored` message and the delivery record in one transaction. The outbox
 * carries it across outages; the record makes it exactly once across restarts. Storage never waits
 * for this: a modality hears success as soon as its data are on disk.
 */
export class InstanceDelivery {
  private timer: NodeJS.Timeout | null = null;
  private readonly runner = new CoalescingRunner(() => this.drain());

  constructor(private readonly opts: InstanceDeliveryOptions) {}

  /** Delivers what earlier runs left, then whatever storage records. */
  start(): void {
    this.kick();
    // A safety net: `kick` is the fast path after each stored instance.
    this.timer = setInterval(() => this.kick(), 2_000);
    this.timer.unref();
  }

  kick(): void {
    this.runner.kick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.runner.stop();
  }

  private async drain(): Promise<void> {
    try {
      for (let round = 0; round < 10_000 && !this.runner.isStopped; round++) {
        const pending = await this.pending(this.opts.concurrency * 2);
        if (pending.length === 0) return;
        await Promise.all(pending.map((row) => this.deliver(row)));
      }
    } catch (err) {
      // Logged and retried at the next kick: the rows stay pending, nothing is lost.
      this.opts.log.error('instance delivery failed; will retry', {
        err: err instanceof Error ? err.message : String(err),
      });
    }
  }

  private pending(limit: number): Promise<StoredRow[]> {
    return this.opts.database.db
      .select(storedInstancesColumns)
      .from(storedInstances)
      .leftJoin(
        instanceDeliveries,
        and(
          eq(instanceDeliveries.sopInstanceUid, storedInstances.sopInstanceUid),
          eq(instanceDeliveries.sha256, storedInstances.sha256),
        ),
      )
      .where(isNull(instanceDeliveries.outSeq))
      .orderBy(asc(storedInstances.receivedAt))
      .limit(limit);
  }

  private async deliver(row: StoredRow): Promise<void> {
    const file = path.join(this.opts.spoolRoot, ...row.relativePath.split('/'));
    let rendering: Pick<
      RenderResult,
      'thumbnail' | 'preview' | 'placeholderReason' | 'attributes' | 'renderMs'
    >;
    try {
      rendering = await this.opts.pool.render(file);
    } catch (err) {
      // The worker died or timed out on this file: the record still goes, with a placeholder.
      const reason = err instanceof Error ? err.message : String(err);
      rendering = {
        ...(await placeholderImages(reason)),
        placeholderReason: reason,
        attributes: null,
        renderMs: 0,
      };
    }
    if (rendering.placeholderReason) {
      this.opts.log.warn('no thumbnail for an instance; a placeholder stands in', {
        sopInstanceUid: row.sopInstanceUid,
        reason: rendering.placeholderReason,
      });
    }
    const message = instanceMessage(row, rendering.attributes, rendering, (dropped) =>
      this.opts.log.warn('values the plugin cannot take were left out', {
        sopInstanceUid: row.sopInstanceUid,
        dropped,
      }),
    );
    const delivered = await this.opts.database.write(async (tx) => {
      const inserted = await tx
        .insert(instanceDeliveries)
        .values({
          sopInstanceUid: row.sopInstanceUid,
          sha256: row.sha256,
          outSeq: 0,
          placeholderReason: rendering.placeholderReason,
          renderMs: Math.round(rendering.renderMs),
          deliveredAt: new Date().toISOString(),
        })
        .onConflictDoNothing()
        .returning({ sop: instanceDeliveries.sopInstanceUid });
      if (inserted.length === 0) return false;
      const [seq] = await enqueueForPlugin(tx, [message]);
      await tx
        .update(instanceDeliveries)
        .set({ outSeq: seq! })
        .where(
          and(
            eq(instanceDeliveries.sopInstanceUid, row.sopInstanceUid),
            eq(instanceDeliveries.sha256, row.sha256),
          ),
        );
      return true;
    });
    if (delivered) this.opts.notifyOutbox();
  }
}

const storedInstancesColumns = {
  sopInstanceUid: storedInstances.sopInstanceUid,
  sha256: storedInstances.sha256,
  sopClassUid: storedInstances.sopClassUid,
  studyInstanceUid: storedInstances.studyInstanceUid,
  seriesInstanceUid: storedInstances.seriesInstanceUid,
  transferSyntaxUid: storedInstances.transferSyntaxUid,
  patientId: storedInstances.patientId,
  patientName: storedInstances.patientName,
  accessionNumber: storedInstances.accessionNumber,
  modality: storedInstances.modality,
  studyDate: storedInstances.studyDate,
  seriesNumber: storedInstances.seriesNumber,
  instanceNumber: storedInstances.instanceNumber,
  numberOfFrames: storedInstances.numberOfFrames,
  relativePath: storedInstances.relativePath,
  fileBytes: storedInstances.fileBytes,
  datasetBytes: storedInstances.datasetBytes,
  callingAeTitle: storedInstances.callingAeTitle,
  conflict: storedInstances.conflict,
  receivedAt: storedInstances.receivedAt,
};
