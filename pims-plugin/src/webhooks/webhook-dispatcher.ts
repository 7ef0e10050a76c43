import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import { EVENTS_TOPIC } from '../events/event-store.js';
import type { Logger } from '../log.js';
import type { RetryPolicy } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import { Reconciler } from './reconciler.js';
import { SubscriptionLoop } from './subscription-loop.js';
import type { OutboundGuard } from '../security/outbound-guard.js';
import type { SecretBox } from '../security/secret-box.js';
import { webhookSender, type SendDelivery } from './webhook-sender.js';
import { activeWebhookIds, releaseLeases } from './webhook-store.js';

export interface WebhookSettings extends RetryPolicy {
  /** One request, answer included. */
  timeoutMs: number;
  /**
   * How often the subscriptions and the event store are re-read without being told: events and
   * subscriptions committed by another plugin instance on the same database are found this way.
   */
  pollMs: number;
}

export interface DispatcherDeps {
  database: Database;
  log: Logger;
  settings: WebhookSettings;
  /**
   * Names this plugin instance in subscription leases. Stable over restarts (the plugin derives it
   * from its host and port), so a restarted instance resumes its own subscriptions at once instead
   * of waiting for its old leases to run out.
   */
  instanceId?: string;
  /** Every delivery goes through it: checked on the address it dials. */
  outbound: OutboundGuard;
  /** Opens the subscriptions' sealed secrets to sign with. */
  secrets: SecretBox;
  clock?: Clock;
  send?: SendDelivery;
  random?: () => number;
}

/**
 * Runs one `SubscriptionLoop` per active subscription and wakes them all right after a transaction
 * that appended events commits, so a delivery starts within milliseconds of the change.
 */
export class WebhookDispatcher {
  private readonly loops = new Map<string, SubscriptionLoop>();
  private readonly clock: Clock;
  private readonly send: SendDelivery;
  private unsubscribe: () => void = () => {};
  private stopped = false;
  private readonly reconciler: Reconciler;
  readonly instanceId: string;

  constructor(private readonly deps: DispatcherDeps) {
    this.clock = deps.clock ?? systemClock;
    this.send = deps.send ?? webhookSender(deps.outbound);
    this.instanceId = deps.instanceId ?? `plugin_${randomUUID()}`;
    this.reconciler = new Reconciler({
      clock: this.clock,
      log: deps.log,
      pass: () => this.reconcile(),
      everyMs: deps.settings.pollMs,
      afterTimedPass: () => this.wakeAll(),
      failed: { asked: 'webhook subscriptions could not be read', timed: 'webhook poll failed' },
    });
  }

  async start(): Promise<void> {
    this.unsubscribe = this.deps.database.onCommitted(EVENTS_TOPIC, () => this.wakeAll());
    await this.reconciler.run();
    this.reconciler.start();
  }

  /** Subscriptions were created, deleted or resumed: start and end loops to match. */
  subscriptionsChanged(): void {
    this.reconciler.ask();
  }

  /** How many subscriptions have a running loop. */
  get running(): number {
    return this.loops.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    await this.reconciler.stop();
    await Promise.all([...this.loops.values()].map((l) => l.stop()));
    await releaseLeases(this.deps.database, this.instanceId).catch((err: unknown) => {
      this.deps.log.warn('webhook leases not released; they run out by themselves', {
        err: err instanceof Error ? err.message : String(err),
      });
    });
  }

  /** A method, not the field, so the check after an await is not narrowed away. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private wakeAll(): void {
    for (const loop of this.loops.values()) loop.wake();
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const active = new Set(await activeWebhookIds(this.deps.database.db));
    for (const id of active) {
      if (this.loops.has(id) || this.isStopped()) continue;
      const loop = new SubscriptionLoop(
        id,
        {
          database: this.deps.database,
          clock: this.clock,
          log: this.deps.log,
          policy: this.deps.settings,
          timeoutMs: this.deps.settings.timeoutMs,
          instanceId: this.instanceId,
          send: this.send,
          secrets: this.deps.secrets,
          ...(this.deps.random ? { random: this.deps.random } : {}),
        },
        () => {
          if (this.loops.get(id) === loop) this.loops.delete(id);
        },
      );
      this.loops.set(id, loop);
      loop.start();
    }
    // A deleted or failed subscription's loop ends on its next step; a resumed one retries now.
    for (const loop of this.loops.values()) loop.wake();
  }
}
