import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import type { CreateOrderBody } from '../../orders/order-dto.js';
import type { Database, Tx } from '../../db/database.js';
import type { Logger } from '../../log.js';
import type { OrderCommands } from '../../orders/order-commands.js';
import { findOrderByPimsId } from '../../orders/order-queries.js';
import type { TrafficEntry, TrafficLog } from '../connector-traffic.js';
import type { Hl7OrderCommand } from './hl7-order-mapping.js';
import { hl7Inbound, type Hl7InboundRow } from '../../db/hl7-schema.js';

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
const BATCH = 100;

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
        if (rows.length === 0) return 0;
        const results = await this.applyAll(tx, rows);
        const traffic: TrafficEntry[] = [];
        const appliedAt = new Date().toISOString();
        const done = results.filter((r) => r.error === null);
        for (const r of results) wake.push(...r.wake);
        if (done.length > 0) {
          // One statement marks the batch applied, each row with its order.
          await tx
            .update(hl7Inbound)
            .set({
              status: 'applied',
              error: null,
              appliedAt,
              orderId: sql`CASE ${hl7Inbound.id} ${sql.join(
                done.map((r) => sql`WHEN ${r.row.id} THEN ${r.orderId}`),
                sql` `,
              )} END`,
            })
            .where(
              inArray(
                hl7Inbound.id,
                done.map((r) => r.row.id),
              ),
            );
        }
        for (const r of results) {
          if (r.error === null) continue;
          traffic.push({
            direction: 'in',
            label: r.row.label,
            outcome: 'rejected',
            detail: `accepted, then not applied: ${r.error}`,
          });
          this.deps.log.warn('an accepted HL7 message could not be applied', {
            connectorId: this.deps.connectorId,
            controlId: r.row.controlId,
            error: r.error,
          });
          await tx
            .update(hl7Inbound)
            .set({ status: 'failed', error: r.error, orderId: r.orderId, appliedAt })
            .where(eq(hl7Inbound.id, r.row.id));
        }
        await this.deps.traffic.recordWithin(tx, traffic);
        return rows.length;
      });
      this.deps.notifyAgents([...new Set(wake)]);
      if (applied < BATCH) return;
    }
  }

  /**
   * Applies the rows in order. First all under one savepoint, as nearly every message applies; if
   * one cannot, that savepoint is rolled back and the rows are applied again one savepoint each, so
   * the failed message leaves nothing half-done and the others go on.
   */
  private async applyAll(tx: Tx, rows: Hl7InboundRow[]): Promise<Applied[]> {
    try {
      return await tx.transaction((sp) => this.applyBatch(sp, rows));
    } catch (err) {
      if (!(err instanceof LightboxError)) throw err;
    }
    const out: Applied[] = [];
    for (const row of rows) {
      try {
        const result = await tx.transaction((sp) => this.apply(sp, commandsOf(row)));
        out.push({ row, error: null, ...result });
      } catch (err) {
        if (!(err instanceof LightboxError)) throw err;
        out.push({ row, error: describe(err), wake: [], orderId: null });
      }
    }
    return out;
  }

  /**
   * The rows in order, consecutive new orders (the bulk of a burst) created together with a few
   * statements; anything else one message at a time, between them.
   */
  private async applyBatch(tx: Tx, rows: Hl7InboundRow[]): Promise<Applied[]> {
    const out: Applied[] = [];
    let run: { row: Hl7InboundRow; bodies: CreateOrderBody[] }[] = [];
    const flush = async () => {
      if (run.length === 0) return;
      const { results, wake } = await this.deps.commands.createManyWithin(
        tx,
        this.deps.siteId,
        run.flatMap((r) => r.bodies),
      );
      let next = 0;
      for (const { row, bodies } of run) {
        next += bodies.length;
        out.push({ row, error: null, wake: [], orderId: results[next - 1]!.order.id });
      }
      out[out.length - 1]!.wake.push(...wake);
      run = [];
    };
    for (const row of rows) {
      const commands = commandsOf(row);
      const bodies = commands.flatMap((c) => (c.kind === 'create' ? [c.body] : []));
      if (bodies.length > 0 && bodies.length === commands.length) {
        run.push({ row, bodies });
        continue;
      }
      await flush();
      out.push({ row, error: null, ...(await this.apply(tx, commands)) });
    }
    await flush();
    return out;
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

interface Applied {
  row: Hl7InboundRow;
  /** Why it could not be applied; null when it was. */
  error: string | null;
  wake: string[];
  orderId: string | null;
}

function commandsOf(row: Hl7InboundRow): Hl7OrderCommand[] {
  return JSON.parse(row.commandJson ?? '[]') as Hl7OrderCommand[];
}

function describe(err: LightboxError): string {
  const errors = (err.details.errors as { field: string; message: string }[] | undefined) ?? [];
  return errors.length > 0
    ? `${err.message}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`
    : err.message;
}
