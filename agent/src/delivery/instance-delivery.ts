import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { asc, and, gt, inArray, isNull } from 'drizzle-orm';
import type { AgentDatabase } from '../db/agent-database.js';
import { instanceDeliveries, storedInstances } from '../db/schema.js';
import { sameInstanceVersion } from '../db/same-instance-version.js';
import { enqueueForPlugin } from '../outbox/outbox-to-plugin.js';
import type { Logger } from '../log.js';
import { CoalescingRunner } from '../support/coalescing-runner.js';
import { PendingInstanceScan, storedRowid } from '../storage/pending-instance-scan.js';
import { placeholderImages } from '../rendering/placeholder-image.js';
import type { RenderPool, RenderResult } from '../rendering/render-pool.js';
import { deliveryMessages } from './delivery-messages.js';
import type { IngestActivity } from '../storage/ingest-activity.js';
import { LogCode } from '../log-codes.js';

type StoredRow = typeof storedInstances.$inferSelect;

interface Rendered {
  row: StoredRow;
  rendering: RenderResult;
}

/** Rendered instances wait at most this long to be recorded together... */
const RECORD_EVERY_MS = 250;
/** ...and at most this many: the messages of one commit, thumbnails and previews included... */
const MAX_RECORD = 32;
/** ...or fewer, once their media reach this many bytes (renditions and cine loops are large). */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export interface InstanceDeliveryOptions {
  database: AgentDatabase;
  spoolRoot: string;
  pool: RenderPool;
  /** How many instances render at once; the pool's size is the natural value. */
  concurrency: number;
  log: Logger;
  /** Wakes the link after the outbox grew. */
  notifyOutbox: () => void;
  /** Absent: rendering starts as soon as an instance is stored. */
  ingest?: IngestActivity;
}

/**
 * Takes every stored instance to the plugin: renders its thumbnail and preview in the pool, then
 * writes the `instance.stored` message and the delivery record in one transaction. The outbox
 * carries it across outages; the record makes it exactly once across restarts. Storage never waits
 * for this: a modality hears success as soon as its data are on disk.
 */
export class InstanceDelivery {
  private readonly runner = new CoalescingRunner(() => this.drain());
  private readonly scan = new PendingInstanceScan((afterRowid, limit) =>
    this.opts.database.db
      .select({ ...storedInstancesColumns, rowid: storedRowid })
      .from(storedInstances)
      .leftJoin(instanceDeliveries, sameInstanceVersion(instanceDeliveries))
      .where(and(gt(storedRowid, afterRowid), isNull(instanceDeliveries.outSeq)))
      .orderBy(asc(storedRowid))
      .limit(limit),
  );

  constructor(private readonly opts: InstanceDeliveryOptions) {}

  /** Delivers what earlier runs left, then whatever storage records. */
  start(): void {
    // `kick` after each stored instance is the fast path.
    this.runner.kickEvery(2_000);
  }

  kick(): void {
    this.runner.kick();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /**
   * Renders pending instances, `concurrency` at a time, and records the rendered ones together at
   * most every RECORD_EVERY_MS. Each record is a journal commit, and so an fsync that the Storage
   * SCP's own commits queue behind: during a CT series one commit per slice would slow every answer
   * to the modality, while a thumbnail a quarter of a second later changes nothing for the vet.
   */
  private async drain(): Promise<void> {
    // Rows a failed pass rendered but did not record are pending again.
    this.scan.rewind();
    let rendered: Rendered[] = [];
    let firstRenderedAt = 0;
    const recordRendered = async (): Promise<void> => {
      await this.record(rendered);
      rendered = [];
      firstRenderedAt = 0;
    };
    try {
      for (let round = 0; round < 10_000 && !this.runner.isStopped; round++) {
        const pending = await this.scan.next(this.opts.concurrency);
        if (pending.length > 0 && this.opts.ingest?.storing) {
          // What is already rendered goes first, so nothing rendered sits unsent through a burst.
          if (rendered.length > 0) await recordRendered();
          await this.yieldToIngest(this.opts.ingest, pending[0]!.receivedAt);
        }
        if (pending.length === 0) {
          if (rendered.length === 0) return;
          const wait = firstRenderedAt + RECORD_EVERY_MS - performance.now();
          // Instances stored while this waits are rendered and join the same commit.
          if (wait > 0) await sleep(wait);
          else await recordRendered();
          continue;
        }
        rendered.push(...(await Promise.all(pending.map((row) => this.render(row)))));
        if (firstRenderedAt === 0) firstRenderedAt = performance.now();
        if (
          performance.now() - firstRenderedAt >= RECORD_EVERY_MS ||
          rendered.length >= MAX_RECORD ||
          mediaBytes(rendered) >= MAX_RECORD_BYTES
        )
          await recordRendered();
      }
      await recordRendered();
    } catch (err) {
      // Logged and retried at the next kick: the rows stay pending, nothing is lost.
      this.opts.log.error('instance delivery failed; will retry', {
        err: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /**
   * Rendering a CT slice costs about as much CPU as storing several, and its journal commit queues
   * with the Storage SCP's: done during a burst, every answer to the modality is slower. So the
   * oldest pending instance waits for a pause in storage, or until it has waited the bound
   * (IngestActivity). Measured on a 200-slice CT series: see test/bench/storage-bench.ts.
   */
  private async yieldToIngest(ingest: IngestActivity, receivedAt: string): Promise<void> {
    const waitedFrom = performance.now();
    const why = await ingest.settle(Date.parse(receivedAt), () => this.runner.isStopped);
    // Once per pause; during a burst longer than the bound, once per instance: debug only then.
    const fields = {
      code: LogCode.renderingResumed,
      why,
      waitedMs: Math.round(performance.now() - waitedFrom),
    };
    if (why === 'quiet') this.opts.log.info('rendering resumed after storage', fields);
    else this.opts.log.debug('rendering resumed after storage', fields);
  }

  private async render(row: StoredRow): Promise<Rendered> {
    const file = path.join(this.opts.spoolRoot, ...row.relativePath.split('/'));
    let rendering: Rendered['rendering'];
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
        numberOfFrames: null,
        image: null,
        rendition: null,
        frame: null,
        framePreviews: [],
      };
    }
    if (rendering.placeholderReason) {
      this.opts.log.warn('no thumbnail for an instance; a placeholder stands in', {
        sopInstanceUid: row.sopInstanceUid,
        reason: rendering.placeholderReason,
      });
    }
    return { row, rendering };
  }

  /**
   * The `instance.stored` messages, the `instance.frames` messages that follow a multi-frame
   * object's, and the delivery records, in one transaction. Only this worker writes deliveries, one
   * pass at a time, so a row found pending is still pending here; the check stays as the guard that
   * makes a second message impossible.
   */
  private async record(rendered: Rendered[]): Promise<void> {
    if (rendered.length === 0) return;
    const messages = rendered.map(({ row, rendering }) =>
      deliveryMessages(row, rendering, (dropped) =>
        this.opts.log.warn('values the plugin cannot take were left out', {
          sopInstanceUid: row.sopInstanceUid,
          dropped,
        }),
      ),
    );
    const deliveredAt = new Date().toISOString();
    const recorded = await this.opts.database.write(async (tx) => {
      const keys = rendered.map(({ row }) => `${row.sopInstanceUid} ${row.sha256}`);
      const already = new Set(
        (
          await tx
            .select({ sop: instanceDeliveries.sopInstanceUid, sha: instanceDeliveries.sha256 })
            .from(instanceDeliveries)
            .where(
              inArray(
                instanceDeliveries.sopInstanceUid,
                rendered.map(({ row }) => row.sopInstanceUid),
              ),
            )
        ).map((d) => `${d.sop} ${d.sha}`),
      );
      const fresh = rendered.map((_, i) => i).filter((i) => !already.has(keys[i]!));
      if (fresh.length === 0) return 0;
      const seqs = await enqueueForPlugin(
        tx,
        fresh.flatMap((i) => messages[i]!),
      );
      // Each instance's record names the sequence number of its `instance.stored`, the first of its messages.
      const firstSeqs: number[] = [];
      let at = 0;
      for (const i of fresh) {
        firstSeqs.push(seqs[at]!);
        at += messages[i]!.length;
      }
      await tx.insert(instanceDeliveries).values(
        fresh.map((i, n) => {
          const { row, rendering } = rendered[i]!;
          return {
            sopInstanceUid: row.sopInstanceUid,
            sha256: row.sha256,
            outSeq: firstSeqs[n]!,
            placeholderReason: rendering.placeholderReason,
            renderMs: Math.round(rendering.renderMs),
            deliveredAt,
          };
        }),
      );
      return fresh.length;
    });
    if (recorded > 0) this.opts.notifyOutbox();
  }
}

function mediaBytes(rendered: Rendered[]): number {
  let bytes = 0;
  for (const { rendering: r } of rendered) {
    bytes += r.thumbnail.length + r.preview.length + (r.rendition?.png.length ?? 0);
    for (const f of r.framePreviews) bytes += f.jpeg.length;
  }
  return bytes;
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
