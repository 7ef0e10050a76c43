import { agentStatusReport, type AgentStatusReport, type EchoTarget } from '@lightbox/protocol';
import type { AgentDatabase } from '../db/agent-database.js';
import { deliveryDepth, forwardDepth, outboxCount, spoolUsage } from '../metrics/agent-gauges.js';
import type { WorklistQueryLog } from '../worklist/worklist-query-log.js';

export interface StatusReporterOptions {
  database: AgentDatabase;
  disk: { readonly freeBytes: number; readonly minFreeBytes: number };
  queries: WorklistQueryLog;
  echoTargets: () => EchoTarget[];
  forwarding: () => boolean;
  /** At most one report this often, whatever the heartbeat period. */
  everyMs?: number;
}

/**
 * The agent's state for the plugin's agents page: queue depths, spool size, free disk, the last
 * worklist query per calling AE title, the peers it can echo. Heartbeats are sent synchronously, so
 * the journal is read in the background and each heartbeat carries the latest snapshot when one is
 * due.
 */
export class StatusReporter {
  private latest: AgentStatusReport | null = null;
  private reading: Promise<void> | null = null;
  private lastGivenAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: StatusReporterOptions) {}

  /** For the next heartbeat: the latest snapshot when one is due; starts reading the next one. */
  forHeartbeat(now = Date.now()): AgentStatusReport | undefined {
    void this.refresh();
    if (!this.latest || now - this.lastGivenAt < (this.opts.everyMs ?? 5_000)) return undefined;
    this.lastGivenAt = now;
    return this.latest;
  }

  /** Reads the journal now (once at a time); resolves when the snapshot is current. */
  refresh(): Promise<void> {
    this.reading ??= this.read()
      .catch(() => undefined)
      .finally(() => {
        this.reading = null;
      });
    return this.reading;
  }

  get current(): AgentStatusReport | null {
    return this.latest;
  }

  private async read(): Promise<void> {
    const { db } = this.opts.database;
    const forwarding = this.opts.forwarding();
    const [outbox, delivery, forward, spool] = await Promise.all([
      outboxCount(db),
      deliveryDepth(db),
      forwarding ? forwardDepth(db) : Promise.resolve(undefined),
      spoolUsage(db),
    ]);
    const free = this.opts.disk.freeBytes;
    const report: AgentStatusReport = {
      at: new Date().toISOString(),
      queues: { outbox, delivery, ...(forward !== undefined ? { forwarding: forward } : {}) },
      spool,
      // Infinite until the first statfs: then there is nothing to report yet.
      ...(Number.isFinite(free)
        ? { disk: { freeBytes: Math.floor(free), minFreeBytes: this.opts.disk.minFreeBytes } }
        : {}),
      worklistQueries: this.opts.queries.list(),
      echoTargets: this.opts.echoTargets(),
    };
    // Checked against the link's contract here: a heartbeat the plugin refused would cost the
    // link, where a report left out costs only the page's freshness (e.g. a 300-character host).
    const checked = agentStatusReport.safeParse(report);
    this.latest = checked.success ? checked.data : null;
  }
}
