import path from 'node:path';
import { and, asc, gt, isNull } from 'drizzle-orm';
import type { ForwardingConfig } from '../config.js';
import type { AgentDatabase } from '../db/agent-database.js';
import { instanceForwards, storedInstances } from '../db/schema.js';
import { sameInstanceVersion } from '../db/same-instance-version.js';
import { backoffDelay } from '../link/backoff.js';
import type { Logger } from '../log.js';
import { CoalescingRunner } from '../support/coalescing-runner.js';
import { PendingInstanceScan, storedRowid } from '../storage/pending-instance-scan.js';
import { sendBatch, type BatchResult, type SendItem, type SendOutcome } from './pacs-sender.js';
import { LogCode } from '../log-codes.js';

/** Instances per association: enough to amortise the handshake, few enough to bound memory. */
const BATCH_INSTANCES = 32;
/** Files per batch, in bytes; a larger single instance still goes, alone. */
const BATCH_BYTES = 64 * 1024 * 1024;
/** Connect, association and per-PDU time limits towards the PACS. */
const DIMSE_TIMEOUT_MS = 15_000;

interface PendingRow {
  sopInstanceUid: string;
  sha256: string;
  relativePath: string;
  fileBytes: number;
  receivedAt: string;
}

interface Failing {
  attempts: number;
  /** No new attempt for this instance before then (epoch ms). */
  nextAt: number;
}

export interface PacsForwarderOptions {
  database: AgentDatabase;
  spoolRoot: string;
  config: ForwardingConfig;
  log: Logger;
  now?: () => number;
  random?: () => number;
}

/**
 * Forwards every stored instance, as received, to the PACS the agent is configured with: oldest
 * first, a batch per association, each success (or storage warning) recorded in `instance_forwards`
 * in one transaction per batch. What has no record there is pending, so a restart resumes where the
 * last one stopped; an instance the PACS took just before a crash may go again, which a PACS treats
 * as the same SOP Instance. Failures are retried with capped exponential backoff and jitter: the
 * whole queue waits when the PACS cannot be reached, only the instance waits when the PACS refused
 * it. With `giveUpAfterMs`, an instance older than that which fails again is recorded as given up,
 * with its last error. Storage and delivery never wait for any of this.
 */
export class PacsForwarder {
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly runner = new CoalescingRunner(() => this.drain());
  private readonly scan = new PendingInstanceScan((afterRowid, limit) =>
    this.opts.database.db
      .select({
        rowid: storedRowid,
        sopInstanceUid: storedInstances.sopInstanceUid,
        sha256: storedInstances.sha256,
        relativePath: storedInstances.relativePath,
        fileBytes: storedInstances.fileBytes,
        receivedAt: storedInstances.receivedAt,
      })
      .from(storedInstances)
      .leftJoin(instanceForwards, sameInstanceVersion(instanceForwards))
      .where(and(gt(storedRowid, afterRowid), isNull(instanceForwards.outcome)))
      .orderBy(asc(storedRowid))
      .limit(limit),
  );
  /** Consecutive association failures, and no batch before `pausedUntil`. */
  private associationFailures = 0;
  private pausedUntil = 0;
  private readonly failing = new Map<string, Failing>();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly pacsName: string;

  constructor(private readonly opts: PacsForwarderOptions) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    const { aeTitle, host, port } = opts.config.pacs;
    this.pacsName = `${aeTitle}@${host}:${port}`;
  }

  start(): void {
    this.opts.log.info('forwarding to PACS', {
      pacs: this.pacsName,
      callingAeTitle: this.opts.config.callingAeTitle,
      concurrency: this.opts.config.concurrency,
      giveUpAfterMs: this.opts.config.giveUpAfterMs,
    });
    // `kick` after each stored instance is the fast path.
    this.runner.kickEvery(5_000);
  }

  kick(): void {
    this.runner.kick();
  }

  /** Lets a batch in flight finish for a few seconds; anything unrecorded goes again next start. */
  async stop(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.runner.stop(5_000);
  }

  private wakeAt(at: number): void {
    if (this.runner.isStopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = null;
        this.kick();
      },
      Math.max(0, at - this.now()),
    );
    this.retryTimer.unref();
  }

  private async drain(): Promise<void> {
    try {
      for (let round = 0; round < 10_000 && !this.runner.isStopped; round++) {
        if (this.now() < this.pausedUntil) {
          this.wakeAt(this.pausedUntil);
          return;
        }
        const batch = await this.nextBatch();
        if (batch.length === 0) return;
        const ok = await this.forward(batch);
        if (!ok) return;
      }
    } catch (err) {
      // Rows stay pending and the next kick retries: nothing is lost.
      this.opts.log.error('forwarding to PACS failed; will retry', {
        pacs: this.pacsName,
        err: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** The oldest pending instances not waiting out their own backoff, cut to one batch per association. */
  private async nextBatch(): Promise<PendingRow[]> {
    const now = this.now();
    // Rows failing earlier are read again each time, to see whether their backoff has passed.
    this.scan.rewind();
    const rows = await this.scan.next(BATCH_INSTANCES * this.opts.config.concurrency + this.failing.size);
    const ready: PendingRow[] = [];
    let earliestWait = Infinity;
    let bytes = 0;
    for (const row of rows) {
      const f = this.failing.get(keyOf(row));
      if (f && f.nextAt > now) {
        earliestWait = Math.min(earliestWait, f.nextAt);
        continue;
      }
      if (ready.length > 0 && bytes + row.fileBytes > BATCH_BYTES * this.opts.config.concurrency) break;
      ready.push(row);
      bytes += row.fileBytes;
      if (ready.length >= BATCH_INSTANCES * this.opts.config.concurrency) break;
    }
    if (ready.length === 0 && earliestWait < Infinity) this.wakeAt(earliestWait);
    return ready;
  }

  /** Sends one round; false when the PACS could not be reached and the queue now waits. */
  private async forward(batch: PendingRow[]): Promise<boolean> {
    const started = this.now();
    const byKey = new Map(batch.map((r) => [keyOf(r), r]));
    const chunks = split(batch, this.opts.config.concurrency);
    const results: BatchResult[] = await Promise.all(
      chunks.map((rows) =>
        sendBatch(
          this.opts.config.pacs,
          rows.map((r): SendItem => ({
            key: keyOf(r),
            file: path.join(this.opts.spoolRoot, ...r.relativePath.split('/')),
          })),
          {
            callingAeTitle: this.opts.config.callingAeTitle,
            timeoutMs: DIMSE_TIMEOUT_MS,
            // Generous: a batch is at most 64 MB, which even a slow clinic line moves in minutes.
            batchTimeoutMs: 10 * 60_000,
          },
        ),
      ),
    );
    const outcomes = results.flatMap((r) => r.outcomes);
    const associationError = results.find((r) => r.associationError !== null)?.associationError ?? null;
    const now = this.now();
    const done: SendOutcome[] = [];
    const failed: SendOutcome[] = [];
    for (const o of outcomes) (o.verdict === 'success' || o.verdict === 'warning' ? done : failed).push(o);
    const givenUp = failed.filter((o) => this.pastGiveUp(byKey.get(o.key)!, now));
    const at = new Date(now).toISOString();
    const records = [
      ...done.map((o) => this.record(byKey.get(o.key)!, 'forwarded', o, at)),
      ...givenUp.map((o) => this.record(byKey.get(o.key)!, 'gave_up', o, at)),
    ];
    if (records.length > 0) {
      await this.opts.database.write(async (tx) => {
        await tx.insert(instanceForwards).values(records).onConflictDoNothing();
      });
    }
    for (const o of [...done, ...givenUp]) this.failing.delete(o.key);
    if (done.length > 0) {
      this.opts.log.info('forwarded to PACS', {
        pacs: this.pacsName,
        instances: done.length,
        ms: now - started,
      });
    }
    for (const o of done.filter((d) => d.verdict === 'warning')) {
      this.opts.log.warn('PACS stored an instance with a warning', {
        pacs: this.pacsName,
        sopInstanceUid: byKey.get(o.key)!.sopInstanceUid,
        status: o.status,
        detail: o.detail,
      });
    }
    for (const o of givenUp) {
      this.opts.log.error('gave up forwarding an instance to PACS', {
        code: LogCode.pacsGaveUp,
        pacs: this.pacsName,
        sopInstanceUid: byKey.get(o.key)!.sopInstanceUid,
        receivedAt: byKey.get(o.key)!.receivedAt,
        status: o.status,
        lastError: o.detail,
      });
    }
    const retry = failed.filter((o) => !givenUp.includes(o));
    if (associationError !== null) {
      // The PACS itself is unreachable or refusing: the whole queue waits, not just this batch.
      for (const o of retry) this.bumpAttempts(o.key, 0);
      const delay = this.retryDelay(this.associationFailures++);
      this.pausedUntil = now + delay;
      this.opts.log.warn('PACS unavailable; forwarding will retry', {
        code: LogCode.pacsUnavailable,
        pacs: this.pacsName,
        error: associationError,
        pending: retry.length,
        retryInMs: delay,
      });
      this.wakeAt(this.pausedUntil);
      return false;
    }
    this.associationFailures = 0;
    for (const o of retry) {
      const attempts = this.bumpAttempts(o.key, now);
      const f = this.failing.get(o.key)!;
      const delay = this.retryDelay(attempts - 1);
      f.nextAt = now + delay;
      this.opts.log.warn('PACS refused an instance; will retry', {
        code: LogCode.pacsRefused,
        pacs: this.pacsName,
        sopInstanceUid: byKey.get(o.key)!.sopInstanceUid,
        status: o.status,
        detail: o.detail,
        attempts,
        retryInMs: delay,
      });
    }
    return true;
  }

  /** The wait after `failures` failures in a row, of the PACS or of one instance. */
  private retryDelay(failures: number): number {
    return backoffDelay(failures, this.opts.config.backoffMinMs, this.opts.config.backoffMaxMs, this.random);
  }

  private bumpAttempts(key: string, nextAt: number): number {
    const f = this.failing.get(key) ?? { attempts: 0, nextAt };
    f.attempts++;
    f.nextAt = nextAt;
    this.failing.set(key, f);
    return f.attempts;
  }

  private pastGiveUp(row: PendingRow, now: number): boolean {
    const limit = this.opts.config.giveUpAfterMs;
    if (limit <= 0) return false;
    const received = Date.parse(row.receivedAt);
    return Number.isFinite(received) && now - received >= limit;
  }

  private record(
    row: PendingRow,
    outcome: 'forwarded' | 'gave_up',
    o: SendOutcome,
    at: string,
  ): typeof instanceForwards.$inferInsert {
    return {
      sopInstanceUid: row.sopInstanceUid,
      sha256: row.sha256,
      outcome,
      status: o.status,
      detail: o.detail,
      pacs: this.pacsName,
      attempts: (this.failing.get(keyOf(row))?.attempts ?? 0) + 1,
      at,
    };
  }
}

function keyOf(row: { sopInstanceUid: string; sha256: string }): string {
  return `${row.sopInstanceUid}/${row.sha256}`;
}

/** Splits rows into at most n runs of consecutive rows, so each association still sends in order. */
function split<T>(rows: T[], n: number): T[][] {
  const size = Math.ceil(rows.length / Math.max(1, n));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
