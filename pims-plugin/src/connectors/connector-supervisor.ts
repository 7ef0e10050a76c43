import type { Database } from '../db/database.js';
import { EVENTS_TOPIC } from '../events/event-store.js';
import type { Logger } from '../log.js';
import type { OrderCommands } from '../orders/order-commands.js';
import { systemClock } from '../webhooks/clock.js';
import { Reconciler } from '../webhooks/reconciler.js';
import type { ConnectorKind, ConnectorRow } from './connector-kind.js';
import { ConnectorRuntime, type RetrySettings } from './connector-runtime.js';
import type { ConnectorServices } from './connector-services.js';
import {
  activeConnectors,
  claimConnectorLease,
  connectorSecrets,
  releaseConnectorLeases,
} from './connector-store.js';
import { TrafficLog } from './connector-traffic.js';

export interface SupervisorDeps {
  database: Database;
  log: Logger;
  instanceId: string;
  commands: OrderCommands;
  services: ConnectorServices;
  kinds: ReadonlyMap<string, ConnectorKind>;
  notifyAgents: (agentIds: string[]) => void;
  /** How long a lease lasts without renewal: another instance takes over a dead one's connectors after it. */
  leaseMs?: number;
}

/**
 * Runs the site's active connectors on this plugin instance: each one whose lease it holds gets its
 * dialect started (its listener, its applier) and a runtime for its outbound messages. Leases are
 * renewed on a timer; a connector created, disabled, or left by a dead instance is picked up within
 * one renewal, or at once when the API says so.
 */
export class ConnectorSupervisor {
  private readonly running = new Map<string, { runtime: ConnectorRuntime; updatedAt: string }>();
  private readonly starting = new Set<string>();
  private unsubscribe: () => void = () => {};
  private stopped = false;
  private readonly leaseMs: number;
  private readonly reconciler: Reconciler;

  constructor(private readonly deps: SupervisorDeps) {
    this.leaseMs = deps.leaseMs ?? 30_000;
    this.reconciler = new Reconciler({
      clock: systemClock,
      log: deps.log,
      pass: () => this.reconcile(),
      everyMs: this.leaseMs / 3,
      failed: { asked: 'connectors could not be read', timed: 'connector leases could not be renewed' },
    });
  }

  async start(): Promise<void> {
    this.unsubscribe = this.deps.database.onCommitted(EVENTS_TOPIC, () => {
      for (const r of this.running.values()) r.runtime.wake();
    });
    await this.reconciler.run();
    this.reconciler.start();
  }

  /** A connector was created or disabled: start or stop it now rather than at the next renewal. */
  connectorsChanged(): void {
    this.reconciler.ask();
  }

  isRunning(connectorId: string): boolean {
    return this.running.has(connectorId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    await this.reconciler.stop();
    await Promise.all([...this.running.values()].map((r) => r.runtime.stop()));
    this.running.clear();
    await releaseConnectorLeases(this.deps.database, this.deps.instanceId).catch(() => undefined);
  }

  /** A method, not the field, so the check after an await is not narrowed away. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const active = new Map((await activeConnectors(this.deps.database.db)).map((r) => [r.id, r]));
    for (const [id, r] of this.running) {
      const row = active.get(id);
      // Disabled, or its settings replaced: stopped here, and started again below if still active.
      if (!row || row.updatedAt !== r.updatedAt) {
        this.running.delete(id);
        await r.runtime.stop();
      }
    }
    const now = Date.now();
    for (const row of active.values()) {
      if (this.isStopped()) return;
      const held = await claimConnectorLease(
        this.deps.database,
        row.id,
        this.deps.instanceId,
        now,
        now + this.leaseMs,
      );
      const current = this.running.get(row.id);
      if (!held) {
        if (current) {
          this.running.delete(row.id);
          await current.runtime.stop();
        }
        continue;
      }
      if (!current && !this.starting.has(row.id)) await this.launch(row);
    }
  }

  private async launch(row: ConnectorRow): Promise<void> {
    const kind = this.deps.kinds.get(row.kind);
    const log = this.deps.log.child({ connectorId: row.id, kind: row.kind });
    if (!kind) {
      log.error('connector of an unknown kind; not started');
      return;
    }
    this.starting.add(row.id);
    try {
      const settings = kind.settingsSchema.parse(JSON.parse(row.settingsJson));
      const traffic = new TrafficLog(this.deps.database, row.id);
      const running = await kind.start({
        connector: row,
        settings,
        secrets: connectorSecrets(row, this.deps.services.secrets),
        database: this.deps.database,
        commands: this.deps.commands,
        services: this.deps.services,
        traffic,
        log,
        notifyAgents: this.deps.notifyAgents,
      });
      const retry = settings as Partial<RetrySettings>;
      const runtime = new ConnectorRuntime(row, running, {
        database: this.deps.database,
        log,
        instanceId: this.deps.instanceId,
        retry: { retryMinMs: retry.retryMinMs ?? 1_000, retryMaxMs: retry.retryMaxMs ?? 300_000 },
        traffic,
        excerptOf: (payload) => {
          const text = (payload as { text?: unknown }).text;
          return typeof text === 'string' ? text : JSON.stringify(payload).slice(0, 2_000);
        },
      });
      this.running.set(row.id, { runtime, updatedAt: row.updatedAt });
      runtime.start();
      log.info('connector running');
    } catch (err) {
      // Its port taken, say: logged, shown by the connector's test, tried again at the next renewal.
      log.error('connector could not start', { err: err instanceof Error ? err.message : String(err) });
    } finally {
      this.starting.delete(row.id);
    }
  }
}
