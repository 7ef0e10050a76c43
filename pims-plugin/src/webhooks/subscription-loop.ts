import type { Database } from '../db/database.js';
import { eventEnvelope } from '../events/event-envelope.js';
import type { Logger } from '../log.js';
import { planRetry, type RetryPolicy } from './backoff.js';
import type { Clock } from './clock.js';
import { signatureHeader } from './signature.js';
import { StepLoop, type LoopNext } from './step-loop.js';
import { claimLease, findWebhook, headEvent, recordAttempt } from './webhook-store.js';
import type { SendDelivery } from './webhook-sender.js';
import type { SecretBox } from '../security/secret-box.js';
import { webhookSecret } from './webhook-store.js';

export interface LoopDeps {
  database: Database;
  clock: Clock;
  log: Logger;
  policy: RetryPolicy;
  timeoutMs: number;
  /** This plugin instance, as it holds subscription leases. */
  instanceId: string;
  send: SendDelivery;
  secrets: SecretBox;
  random?: () => number;
}

/** Room beyond one request's timeout for recording its outcome before the lease runs out. */
const LEASE_SLACK_MS = 5_000;

/**
 * One subscription's delivery: its events strictly in order, one request at a time, the next only
 * after the previous was delivered. Each subscription has its own loop, so a slow or dead
 * subscriber delays nobody else. All state lives in the `webhooks` row; the loop holds none that a
 * restart would lose. A stop lets an attempt in flight finish and be recorded (bounded by the
 * request timeout).
 */
export class SubscriptionLoop extends StepLoop {
  constructor(
    readonly webhookId: string,
    private readonly deps: LoopDeps,
    private readonly onExit: () => void,
  ) {
    super(deps.clock);
  }

  protected override exited(): void {
    this.onExit();
  }

  protected override stepFailed(err: unknown): void {
    this.deps.log.error('webhook delivery step failed', {
      webhookId: this.webhookId,
      err: err instanceof Error ? err.message : String(err),
    });
  }

  protected override async step(): Promise<LoopNext> {
    const { database, clock, policy } = this.deps;
    const row = await findWebhook(database.db, this.webhookId);
    if (!row || row.status !== 'active') return { kind: 'stop' };
    const event = await headEvent(database.db, row);
    if (!event) return { kind: 'idle' };
    if (row.nextAttemptAt !== null && row.nextAttemptAt > clock.now()) {
      return { kind: 'until', at: row.nextAttemptAt };
    }
    const leaseMs = 2 * this.deps.timeoutMs + 2 * LEASE_SLACK_MS;
    const now = clock.now();
    const leaseLeft = (row.leaseUntil ?? 0) - now;
    if (row.leaseOwner !== null && row.leaseOwner !== this.deps.instanceId && leaseLeft > 0) {
      // Another instance delivers this subscription; take over only if it stops renewing.
      return { kind: 'until', at: now + leaseLeft };
    }
    // Renewing costs a write, so only when too little is left for one more attempt.
    if (row.leaseOwner !== this.deps.instanceId || leaseLeft < this.deps.timeoutMs + LEASE_SLACK_MS) {
      if (!(await claimLease(database, row.id, this.deps.instanceId, now, now + leaseMs))) {
        return { kind: 'until', at: now + this.deps.timeoutMs };
      }
    }

    const attempt = row.attempts + 1;
    const at = clock.now();
    const body = JSON.stringify(eventEnvelope(event));
    const result = await this.deps.send(
      row.url,
      body,
      {
        'lightbox-event-id': event.eventId,
        'lightbox-event-type': event.type,
        'lightbox-webhook-id': row.id,
        'lightbox-delivery-attempt': String(attempt),
        'lightbox-signature': signatureHeader(webhookSecret(row, this.deps.secrets), at / 1000, body),
      },
      this.deps.timeoutMs,
    );
    const record = { event, attempt, at, ...result };
    const lease = {
      owner: this.deps.instanceId,
      expectedCursor: row.cursor,
      renewUntil: clock.now() + leaseMs,
    };
    if (result.ok) {
      await recordAttempt(database, row.id, lease, record, { outcome: 'delivered' });
      return { kind: 'now' };
    }
    const firstAttemptAt = row.firstAttemptAt ?? at;
    const plan = planRetry(attempt, firstAttemptAt, clock.now(), policy, this.deps.random);
    if (plan.giveUp) {
      const recorded = await recordAttempt(database, row.id, lease, record, {
        outcome: 'gave_up',
        failedAt: clock.now(),
      });
      if (recorded) {
        this.deps.log.warn('webhook failed: gave up after the retry period', {
          webhookId: row.id,
          eventId: event.eventId,
          attempts: attempt,
          lastError: result.error,
        });
      }
      // Not recorded: resumed or deleted meanwhile; the next step reads which.
      return recorded ? { kind: 'stop' } : { kind: 'now' };
    }
    await recordAttempt(database, row.id, lease, record, {
      outcome: 'retrying',
      firstAttemptAt,
      nextAttemptAt: plan.at,
    });
    if (attempt === 1) {
      this.deps.log.warn('webhook delivery failed, retrying', {
        webhookId: row.id,
        eventId: event.eventId,
        error: result.error,
      });
    }
    return { kind: 'until', at: plan.at };
  }
}
