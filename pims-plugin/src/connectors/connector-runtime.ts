import type { Database } from '../db/database.js';
import { eventEnvelope } from '../events/event-envelope.js';
import type { Logger } from '../log.js';
import { retryDelayMs } from '../webhooks/backoff.js';
import { systemClock } from '../webhooks/clock.js';
import { StepLoop, type LoopNext } from '../webhooks/step-loop.js';
import type { ConnectorRow, DeliveryOutcome, RunningConnector } from './connector-kind.js';
import type { TrafficLog } from './connector-traffic.js';
import { eventsAfter, nextDeliverable, nextDueAt, queueMessages, recordOutcome } from './connector-outbox.js';

export interface RetrySettings {
  retryMinMs: number;
  retryMaxMs: number;
}

interface RuntimeDeps {
  database: Database;
  log: Logger;
  instanceId: string;
  retry: RetrySettings;
  traffic: TrafficLog;
  /** How a payload shows in the traffic view. */
  excerptOf: (payload: unknown) => string | null;
}

const EVENTS_PER_STEP = 200;

/**
 * The outbound side of one running connector: reads the site's events after its cursor, has the
 * dialect turn them into messages (queued with the cursor's move, so each event is read once), and
 * sends the queued messages one at a time, each retried with backoff until the PIMS acknowledges
 * it. All state is in the database; a restart resumes exactly where it stopped.
 */
export class ConnectorRuntime extends StepLoop {
  /** Set while the PIMS cannot be reached: nothing is tried before it. */
  private pausedUntil = 0;
  private unreachableInARow = 0;
  /** Set when another instance took the connector over: this runtime ends. */
  private leaseLost = false;

  constructor(
    private row: ConnectorRow,
    private readonly running: RunningConnector,
    private readonly deps: RuntimeDeps,
  ) {
    super(systemClock);
  }

  get connectorId(): string {
    return this.row.id;
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.running.stop();
  }

  protected override stepFailed(err: unknown): void {
    this.deps.log.error('connector step failed', {
      connectorId: this.row.id,
      err: err instanceof Error ? err.message : String(err),
    });
  }

  /** One step: read events, send one message. */
  protected override async step(): Promise<LoopNext> {
    const relayed = await this.relay();
    if (this.leaseLost) return { kind: 'stop' };
    if (this.stopping) return { kind: 'idle' };
    const now = Date.now();
    // The PIMS was unreachable: new events are still read (above), nothing is sent before the pause ends.
    if (now < this.pausedUntil) return { kind: 'until', at: this.pausedUntil };
    const message = await nextDeliverable(this.deps.database.db, this.row.id, now);
    if (!message) {
      if (relayed) return { kind: 'now' };
      const due = await nextDueAt(this.deps.database.db, this.row.id);
      return due === null ? { kind: 'idle' } : { kind: 'until', at: Math.max(due, now + 10) };
    }
    const payload = JSON.parse(message.payloadJson) as unknown;
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.running.deliver(payload);
    } catch (err) {
      outcome = { kind: 'retry', error: err instanceof Error ? err.message : String(err) };
    }
    const excerpt = this.deps.excerptOf(payload);
    if (outcome.kind === 'delivered') {
      this.unreachableInARow = 0;
      await recordOutcome(
        this.deps.database,
        this.deps.traffic,
        message,
        { status: 'delivered', detail: outcome.detail ?? null },
        excerpt,
      );
      return { kind: 'now' };
    }
    if (outcome.kind === 'rejected') {
      this.unreachableInARow = 0;
      this.deps.log.warn('the PIMS refused a message; it is kept and shown, the next goes on', {
        connectorId: this.row.id,
        label: message.label,
        error: outcome.error,
      });
      await recordOutcome(
        this.deps.database,
        this.deps.traffic,
        message,
        { status: 'rejected', error: outcome.error },
        excerpt,
      );
      return { kind: 'now' };
    }
    const policy = {
      backoffMinMs: this.deps.retry.retryMinMs,
      backoffMaxMs: this.deps.retry.retryMaxMs,
      retryForMs: 0,
    };
    if (outcome.kind === 'unreachable') {
      this.unreachableInARow++;
      const delay = retryDelayMs(this.unreachableInARow, policy);
      this.pausedUntil = Date.now() + delay;
      if (this.unreachableInARow === 1) {
        this.deps.log.warn('the PIMS cannot be reached; messages wait', {
          connectorId: this.row.id,
          error: outcome.error,
        });
      }
      await recordOutcome(
        this.deps.database,
        this.deps.traffic,
        message,
        { status: 'pending', error: outcome.error, nextAttemptAt: this.pausedUntil },
        excerpt,
      );
      return { kind: 'until', at: this.pausedUntil };
    }
    const at = Math.max(outcome.notBefore ?? 0, Date.now() + retryDelayMs(message.attempts + 1, policy));
    await recordOutcome(
      this.deps.database,
      this.deps.traffic,
      message,
      { status: 'pending', error: outcome.error, nextAttemptAt: at },
      excerpt,
    );
    return { kind: 'now' };
  }

  /** Turns the events after the cursor into queued messages; true when it moved the cursor. */
  private async relay(): Promise<boolean> {
    const rows = await eventsAfter(this.deps.database.db, this.row.siteId, this.row.cursor, EVENTS_PER_STEP);
    if (rows.length === 0) return false;
    const messages = [];
    for (const event of rows) {
      for (const m of await this.running.translate(eventEnvelope(event))) {
        messages.push({ ...m, eventId: event.eventId });
      }
    }
    const upTo = rows[rows.length - 1]!.id;
    const ok = await queueMessages(
      this.deps.database,
      { connectorId: this.row.id, owner: this.deps.instanceId, expectedCursor: this.row.cursor },
      upTo,
      messages,
    );
    if (!ok) {
      // Another instance holds the connector now: the supervisor stops this runtime.
      this.leaseLost = true;
      return false;
    }
    this.row = { ...this.row, cursor: upTo };
    return true;
  }
}
