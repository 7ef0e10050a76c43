import { and, asc, eq } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import type { Database, Tx } from '../../db/database.js';
import type { Logger } from '../../log.js';
import type { OrderCommands } from '../../orders/order-commands.js';
import { findOrderByPimsId } from '../../orders/order-queries.js';
import type { TrafficEntry, TrafficLog } from '../connector-traffic.js';
import type { Hl7OrderCommand } from './hl7-order-mapping.js';
import { hl7Inbound } from '../../db/hl7-schema.js';

export interface ApplierDeps {
  database: Database;
  commands: OrderCommands;
  siteId: string;
  connectorId: string;
  pimsSiteId: string;
  traffic: TrafficLog;
  log: Logger;
  notifyAgents: (agentIds: string[]) => void;
}

/** How many accepted messages one transaction applies. */
const BATCH = 50;

/**
 * Applies accepted messages to the orders, in the order they were accepted, each exactly once: the
 * order commands and the message's new status commit together. A message that cannot be applied (the
 * modality started the order between its acknowledgement and now) is marked failed with the reason,
 * and shown in the connector's traffic; the next goes on.
 */
export class Hl7Applier {
  private stopped = false;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly deps: ApplierDeps) {}

  /** Work may have arrived; runs now, or right after the run in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) => {
        this.deps.log.error('HL7 messages could not be applied; retrying', {
          connectorId: this.deps.connectorId,
          err: err instanceof Error ? err.message : String(err),
        });
        setTimeout(() => this.wake(), 1_000).unref();
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const wake: string[] = [];
      const applied = await this.deps.database.write(async (tx) => {
        const rows = await tx
          .select()
          .from(hl7Inbound)
          .where(and(eq(hl7Inbound.connectorId, this.deps.connectorId), eq(hl7Inbound.status, 'accepted')))
          .orderBy(asc(hl7Inbound.id))
          .limit(BATCH);
        const traffic: TrafficEntry[] = [];
        for (const row of rows) {
          const commands = JSON.parse(row.commandJson ?? '[]') as Hl7OrderCommand[];
          let orderId: string | null = null;
          let error: string | null = null;
          try {
            // A savepoint per message: one that fails leaves nothing half-done and the batch goes on.
            const result = await tx.transaction((sp) => this.apply(sp, commands));
            wake.push(...result.wake);
            orderId = result.orderId;
          } catch (err) {
            if (!(err instanceof LightboxError)) throw err;
            error = describe(err);
            traffic.push({
              direction: 'in',
              label: row.label,
              outcome: 'rejected',
              detail: `accepted, then not applied: ${error}`,
            });
            this.deps.log.warn('an accepted HL7 message could not be applied', {
              connectorId: this.deps.connectorId,
              controlId: row.controlId,
              error,
            });
          }
          await tx
            .update(hl7Inbound)
            .set({
              status: error ? 'failed' : 'applied',
              error,
              orderId,
              appliedAt: new Date().toISOString(),
            })
            .where(eq(hl7Inbound.id, row.id));
        }
        await this.deps.traffic.recordWithin(tx, traffic);
        return rows.length;
      });
      this.deps.notifyAgents([...new Set(wake)]);
      if (applied < BATCH) return;
    }
  }

  private async apply(
    tx: Tx,
    commands: Hl7OrderCommand[],
  ): Promise<{ wake: string[]; orderId: string | null }> {
    const { commands: orders, siteId } = this.deps;
    const pims = { system: 'hl7', siteId: this.deps.pimsSiteId };
    const wake: string[] = [];
    let orderId: string | null = null;
    for (const command of commands) {
      if (command.kind === 'create') {
        const r = await orders.createWithin(tx, siteId, command.body);
        wake.push(...r.wake);
        orderId = r.order.id;
        continue;
      }
      const order = await findOrderByPimsId(tx, siteId, pims, command.placer);
      if (!order) throw new LightboxError('not_found', `no order with placer order number ${command.placer}`);
      orderId = order.id;
      const r =
        command.kind === 'correct'
          ? await orders.correctWithin(tx, siteId, order.id, command.patch)
          : await orders.cancelWithin(tx, siteId, order.id, command.reason);
      wake.push(...r.wake);
    }
    return { wake, orderId };
  }
}

function describe(err: LightboxError): string {
  const errors = (err.details.errors as { field: string; message: string }[] | undefined) ?? [];
  return errors.length > 0
    ? `${err.message}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`
    : err.message;
}
