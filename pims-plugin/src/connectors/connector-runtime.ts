import type { Database } from '../db/database.js';
import { eventEnvelope } from '../events/event-envelope.js';
import type { Logger } from '../log.js';
import { retryDelayMs } from '../webhooks/backoff.js';
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

/** After an unexpected error (the database unreachable, a bug), wait this long before trying again. */
const ERROR_PAUSE_MS = 1_000;
const EVENTS_PER_STEP = 200;

/**
 * The outbound side of one running connector: reads the site's events after its cursor, has the
 * dialect turn them into messages (queued with the cursor's move, so each event is read once), and
 * sends the queued messages one at a time, each retried with backoff until the PIMS acknowledges
 * it. All state is in the database; a restart resumes exactly where it stopped.
 */
export class ConnectorRuntime {
  private stopped = false;
  private woken = false;
  private interrupt: (() => void) | null = null;
  private done: Promise<void> = Promise.resolve();
  /** Set while the PIMS cannot be reached: nothing is tried before it. */
  private pausedUntil = 0;
  private unreachableInARow = 0;

  constructor(
    private row: ConnectorRow,
    private readonly running: RunningConnector,
    private readonly deps: RuntimeDeps,
  ) {}

  get connectorId(): string {
    return this.row.id;
  }

  start(): void {
    this.done = this.run();
  }

  wake(): void {
    this.woken = true;
    this.interrupt?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt?.();
    await this.done;
    await this.running.stop();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let waitUntil: number | null;
      try {
        waitUntil = await this.step();
      } catch (err) {
        this.deps.log.error('connector step failed', {
          connectorId: this.row.id,
          err: err instanceof Error ? err.message : String(err),
        });
        waitUntil = Date.now() + ERROR_PAUSE_MS;
      }
      if (waitUntil !== 0) await this.wait(waitUntil);
    }
  }

  /** One step: read events, send one message. Returns 0 to go on at once, a time to wait until, or null to wait for a wake. */
  private async step(): Promise<number | null> {
    this.woken = false;
    const relayed = await this.relay();
    if (this.stopped) return null;
    const now = Date.now();
    // The PIMS was unreachable: new events are still read (above), nothing is sent before the pause ends.
    if (now < this.pausedUntil) return this.pausedUntil;
    const message = await nextDeliverable(this.deps.database.db, this.row.id, now);
    if (!message) {
      if (relayed) return 0;
      const due = await nextDueAt(this.deps.database.db, this.row.id);
      return due === null ? null : Math.max(due, now + 10);
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
      return 0;
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
      return 0;
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
      return this.pausedUntil;
    }
    const at = Math.max(outcome.notBefore ?? 0, Date.now() + retryDelayMs(message.attempts + 1, policy));
    await recordOutcome(
      this.deps.database,
      this.deps.traffic,
      message,
      { status: 'pending', error: outcome.error, nextAttemptAt: at },
      excerpt,
    );
    return 0;
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
      this.stopped = true;
      return false;
    }
    this.row = { ...this.row, cursor: upTo };
    return true;
  }

  private wait(until: number | null): Promise<void> {
    if (this.stopped || this.woken) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        if (timer) clearTimeout(timer);
        this.interrupt = null;
        resolve();
      };
      if (until !== null) timer = setTimeout(finish, Math.min(Math.max(0, until - Date.now()), 2 ** 31 - 1));
      this.interrupt = finish;
    });
  }
}
