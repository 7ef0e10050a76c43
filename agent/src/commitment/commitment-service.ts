import { eq, inArray, isNull } from 'drizzle-orm';
import type { AgentDatabase } from '../db/agent-database.js';
import type { EventReportChannel } from '../dicom/dicom-services.js';
import { instanceForwards, spoolPurges, storageCommitments, storedInstances } from '../db/schema.js';
import { sameInstanceVersion } from '../db/same-instance-version.js';
import type { Logger } from '../log.js';
import { agentMetrics } from '../metrics/agent-metrics.js';
import { CoalescingRunner } from '../support/coalescing-runner.js';
import { CommitmentStatus, type CommitmentReference, type CommitmentRequest } from './commitment-request.js';
import {
  awaitReportAnswer,
  commitmentEventReport,
  sendReportOnNewAssociation,
  type CommitmentResult,
  type ReportOutcome,
} from './event-report.js';
import { LogCode } from '../log-codes.js';

export interface CommitmentServiceOptions {
  database: AgentDatabase;
  /** Our AE title, calling a modality back. */
  aeTitle: string;
  /** Where a modality is called back when its association is gone (its profile); re-read on reload. */
  addressOf: (aeTitle: string) => { host: string; port: number } | undefined;
  /** Commit only what the PACS has (when forwarding is configured and the site asks for it). */
  afterForward: () => boolean;
  log: Logger;
  /** Test seam: how long a modality has to answer a report. */
  answerTimeoutMs?: number;
  /** How often undecided transactions are looked at again. */
  checkEveryMs?: number;
}

const MAX_RETRY_MS = 5 * 60_000;

/**
 * The Storage Commitment SCP: a modality asks (N-ACTION) whether the agent takes responsibility for
 * a list of instances, and is told (N-EVENT-REPORT) which it holds. An instance is committed only
 * when it is durably in the spool and recorded — and, when the site asks for it and a PACS is
 * configured, only once the PACS has it. Requests are journalled before the N-ACTION is answered,
 * so a restart still reports them; the report goes on the requesting association while it is open,
 * otherwise on a new one to the address of the modality's profile, retried with backoff until the
 * modality accepts it.
 */
export class CommitmentService {
  private readonly channels = new Map<string, EventReportChannel>();
  private readonly nextTry = new Map<string, number>();
  private readonly warnedNoAddress = new Set<string>();
  private readonly runner = new CoalescingRunner(() => this.pass());
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: CommitmentServiceOptions) {}

  start(): void {
    this.kick();
    this.timer = setInterval(() => this.kick(), this.opts.checkEveryMs ?? 1_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.runner.stop(5_000);
  }

  kick(): void {
    this.runner.kick();
  }

  /** Journals a request; resolves once it is durable, when the N-ACTION may be answered. */
  async request(callingAe: string, request: CommitmentRequest, channel: EventReportChannel): Promise<void> {
    await this.opts.database.write((tx) =>
      tx
        .insert(storageCommitments)
        .values({
          transactionUid: request.transactionUid,
          callingAeTitle: callingAe,
          requestedJson: JSON.stringify(request.references),
          receivedAt: new Date().toISOString(),
        })
        // The same transaction again (a modality that retried): its result is reported again.
        .onConflictDoUpdate({
          target: storageCommitments.transactionUid,
          set: { reportedAt: null, callingAeTitle: callingAe },
        }),
    );
    this.channels.set(request.transactionUid, channel);
    this.nextTry.delete(request.transactionUid);
    this.opts.log.info('storage commitment requested', {
      callingAe,
      transactionUid: request.transactionUid,
      instances: request.references.length,
    });
    this.kick();
  }

  private async pass(): Promise<void> {
    const { db } = this.opts.database;
    const open = await db.select().from(storageCommitments).where(isNull(storageCommitments.reportedAt));
    for (const row of open) {
      let result = row.resultJson ? (JSON.parse(row.resultJson) as CommitmentResult) : undefined;
      if (!result) {
        result = await this.decide(JSON.parse(row.requestedJson) as CommitmentReference[]);
        if (!result) continue;
        const decided = result;
        await this.opts.database.write((tx) =>
          tx
            .update(storageCommitments)
            .set({ resultJson: JSON.stringify(decided) })
            .where(eq(storageCommitments.transactionUid, row.transactionUid)),
        );
      }
      await this.report(row.transactionUid, row.callingAeTitle, row.reportAttempts, result);
    }
    for (const uid of this.channels.keys())
      if (!open.some((r) => r.transactionUid === uid)) this.channels.delete(uid);
  }

  /** Each instance committed or failed with a reason; undefined while one still waits for the PACS. */
  private async decide(refs: CommitmentReference[]): Promise<CommitmentResult | undefined> {
    const { db } = this.opts.database;
    const uids = refs.map((r) => r.sopInstanceUid);
    const versions = await db
      .select({
        sopInstanceUid: storedInstances.sopInstanceUid,
        sopClassUid: storedInstances.sopClassUid,
        sha256: storedInstances.sha256,
        purgedAt: spoolPurges.purgedAt,
        forwarded: instanceForwards.outcome,
      })
      .from(storedInstances)
      .leftJoin(spoolPurges, sameInstanceVersion(spoolPurges))
      .leftJoin(instanceForwards, sameInstanceVersion(instanceForwards))
      .where(inArray(storedInstances.sopInstanceUid, uids));
    const afterForward = this.opts.afterForward();
    const result: CommitmentResult = { committed: [], failed: [] };
    for (const ref of refs) {
      const held = versions.filter((v) => v.sopInstanceUid === ref.sopInstanceUid);
      if (held.length === 0) {
        result.failed.push({ ...ref, reason: CommitmentStatus.NoSuchObjectInstance });
        continue;
      }
      if (!held.some((v) => v.sopClassUid === ref.sopClassUid)) {
        result.failed.push({ ...ref, reason: CommitmentStatus.ClassInstanceConflict });
        continue;
      }
      const kept = held.filter((v) => v.sopClassUid === ref.sopClassUid && v.purgedAt === null);
      if (kept.length === 0 && !afterForward) {
        // Removed by the retention policy: it left the PC safely, but the agent no longer holds it.
        result.failed.push({ ...ref, reason: CommitmentStatus.ProcessingFailure });
        continue;
      }
      if (afterForward) {
        const forwarded = held.some((v) => v.forwarded === 'forwarded');
        if (forwarded) result.committed.push(ref);
        else if (held.every((v) => v.forwarded === 'gave_up'))
          result.failed.push({ ...ref, reason: CommitmentStatus.ProcessingFailure });
        else return undefined;
        continue;
      }
      result.committed.push(ref);
    }
    return result;
  }

  private async report(
    transactionUid: string,
    callingAe: string,
    attempts: number,
    result: CommitmentResult,
  ): Promise<void> {
    const { log } = this.opts;
    if ((this.nextTry.get(transactionUid) ?? 0) > Date.now()) return;
    const timeoutMs = this.opts.answerTimeoutMs ?? 10_000;
    const channel = this.channels.get(transactionUid);
    let outcome: ReportOutcome;
    let peer: string;
    if (channel?.isOpen()) {
      peer = `${callingAe} (on its association)`;
      const request = commitmentEventReport(transactionUid, result);
      const answered = awaitReportAnswer(request, timeoutMs);
      channel.send(request);
      outcome = await answered;
      // Whatever happened there, a later attempt goes on a new association.
      this.channels.delete(transactionUid);
    } else {
      const address = this.opts.addressOf(callingAe);
      if (!address) {
        if (!this.warnedNoAddress.has(transactionUid)) {
          this.warnedNoAddress.add(transactionUid);
          log.warn(
            'storage commitment result waits: the modality closed its association and its profile has no host and port',
            { callingAe, transactionUid },
          );
        }
        return;
      }
      peer = `${callingAe}@${address.host}:${address.port}`;
      outcome = await sendReportOnNewAssociation({
        ...address,
        callingAe: this.opts.aeTitle,
        calledAe: callingAe,
        request: commitmentEventReport(transactionUid, result),
        timeoutMs,
      });
    }
    if (outcome.kind === 'answered' && outcome.status === 0) {
      await this.opts.database.write((tx) =>
        tx
          .update(storageCommitments)
          .set({ reportedAt: new Date().toISOString(), reportAttempts: attempts + 1, lastError: null })
          .where(eq(storageCommitments.transactionUid, transactionUid)),
      );
      this.nextTry.delete(transactionUid);
      this.warnedNoAddress.delete(transactionUid);
      agentMetrics.commitmentReported(result.committed.length, result.failed.length);
      log.info('storage commitment reported', {
        code: LogCode.commitmentReported,
        callingAe,
        transactionUid,
        committed: result.committed.length,
        failed: result.failed.length,
      });
      return;
    }
    const error =
      outcome.kind === 'answered'
        ? `answered the N-EVENT-REPORT with status ${outcome.status.toString(16).padStart(4, '0')}`
        : outcome.reason;
    const delay = Math.min(MAX_RETRY_MS, 1_000 * 2 ** Math.min(attempts, 12));
    this.nextTry.set(transactionUid, Date.now() + delay);
    await this.opts.database.write((tx) =>
      tx
        .update(storageCommitments)
        .set({ reportAttempts: attempts + 1, lastError: error })
        .where(eq(storageCommitments.transactionUid, transactionUid)),
    );
    log.warn(`storage commitment result not accepted by ${peer}: ${error}; retrying`, {
      code: LogCode.commitmentNotAccepted,
      callingAe,
      transactionUid,
      ...(outcome.kind === 'answered' ? { status: outcome.status.toString(16).padStart(4, '0') } : {}),
      retryInMs: delay,
    });
  }
}
