import { and, eq, inArray } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import { type CreateOrderBody, type PatchOrderBody } from './order-dto.js';
import { slices } from '../db/bound-parameters.js';
import type { Database, Tx } from '../db/database.js';
import { orders } from '../db/schema.js';
import { appendEvent, appendEvents } from '../events/event-store.js';
import { mintOrderId, mintOrderIdentifiers, mintStudyInstanceUid } from './identifiers.js';
import { mapOrderToWorklist, type FieldError, type OrderIdentifiers } from './worklist-mapping.js';
import { publishNewOrders, publishOrder } from './worklist-publisher.js';
import { orderEventData } from './order-event-data.js';
import { nextOrderStatus, type OrderEvent } from './order-state-machine.js';
import { changeOrderStatus, recordOrderChange, recordOrderChanges } from './order-status-change.js';
import { findOrderByPimsId, requireOrder } from './order-queries.js';

type OrderRow = typeof orders.$inferSelect;
type StoredRequest = CreateOrderBody & { scheduled: NonNullable<CreateOrderBody['scheduled']> };

export interface OrderCommandDeps {
  database: Database;
  timeZone: string;
  /** Wakes the links of agents whose outbox just grew. */
  notifyAgents: (agentIds: string[]) => void;
}

function validationFailed(errors: FieldError[]): LightboxError {
  return new LightboxError('validation_failed', 'the order has values DICOM cannot carry', { errors });
}

function accessionTaken(accessionNumber: string): LightboxError {
  return new LightboxError('conflict', `accession number ${accessionNumber} is already used in this site`, {
    errors: [{ field: 'accessionNumber', message: 'already used by another order of this site' }],
  });
}

function studyUidTaken(): LightboxError {
  return new LightboxError(
    'conflict',
    'the Study Instance UID is already used by another order of this site',
    {
      errors: [{ field: 'studyInstanceUid', message: 'already used by another order of this site' }],
    },
  );
}

/** Values per IN list: well inside SQLite's limit on bound parameters. */
const IN_LIST = 500;
/** 100 rows × the order's columns stay inside SQLite's limit on bound parameters. */
const ROWS_PER_INSERT = 100;

/** A status change a PIMS asks for, and how it is refused and recorded. */
interface StatusCommand {
  event: OrderEvent;
  /** Why the state machine has no move for it, after "the order is <status>; ". */
  refusal: string;
  change: string;
  reason: string | null;
}

export class OrderCommands {
  constructor(private readonly deps: OrderCommandDeps) {}

  /** Idempotent on (pims.system, pims.siteId, pimsOrderId): a repeat returns the same order. */
  async create(siteId: string, body: CreateOrderBody): Promise<{ order: OrderRow; created: boolean }> {
    const result = await this.writeAndWake((tx) => this.createWithin(tx, siteId, body));
    return { order: result.order, created: result.created };
  }

  /**
   * `create` inside the caller's write transaction, for a caller that commits several changes at once
   * (a connector's batch of messages with their acknowledgements). The caller wakes `wake` after
   * its commit.
   */
  async createWithin(
    tx: Tx,
    siteId: string,
    body: CreateOrderBody,
  ): Promise<{ order: OrderRow; created: boolean; wake: string[] }> {
    const now = new Date().toISOString();
    const row = this.newOrderRow(siteId, body, now);
    const existing = await findOrderByPimsId(tx, siteId, body.pims, body.pimsOrderId);
    if (existing) return { order: existing, created: false, wake: [] as string[] };
    await this.assertUnique(tx, siteId, row);
    const [order] = await tx.insert(orders).values(row).returning();
    await recordOrderChange(tx, order!, 'created', null);
    const wake = await publishOrder(tx, order!);
    await appendEvent(tx, siteId, 'order.scheduled', orderEventData(order!));
    return { order: order!, created: true, wake };
  }

  /**
   * `createWithin` for several orders of one PIMS site, with a few statements for the whole list
   * rather than a dozen per order (a connector applying a burst of messages). Results are in the
   * list's order; an order that exists already is returned as it is (`created: false`). Throws, as
   * `createWithin` would for the first order at fault, when one cannot be created, and then nothing
   * of the list was written: the caller may retry the orders one by one.
   */
  async createManyWithin(
    tx: Tx,
    siteId: string,
    bodies: CreateOrderBody[],
  ): Promise<{ results: { order: OrderRow; created: boolean }[]; wake: string[] }> {
    const first = bodies[0];
    const samePims = bodies.every(
      (b) => b.pims.system === first?.pims.system && b.pims.siteId === first.pims.siteId,
    );
    const distinct = new Set(bodies.map((b) => b.pimsOrderId)).size === bodies.length;
    if (!first || !samePims || !distinct) {
      // Rare shapes (several PIMS, an order twice): one by one keeps each order's own outcome.
      const results: { order: OrderRow; created: boolean }[] = [];
      const wake: string[] = [];
      for (const body of bodies) {
        const r = await this.createWithin(tx, siteId, body);
        results.push(r);
        wake.push(...r.wake);
      }
      return { results, wake: [...new Set(wake)] };
    }
    const existing = new Map<string, OrderRow>();
    for (const part of slices(
      bodies.map((b) => b.pimsOrderId),
      IN_LIST,
    )) {
      const rows = await tx
        .select()
        .from(orders)
        .where(
          and(
            eq(orders.siteId, siteId),
            eq(orders.pimsSystem, first.pims.system),
            eq(orders.pimsSiteId, first.pims.siteId),
            inArray(orders.pimsOrderId, part),
          ),
        );
      for (const row of rows) existing.set(row.pimsOrderId, row);
    }
    const now = new Date().toISOString();
    const fresh = bodies
      .filter((b) => !existing.has(b.pimsOrderId))
      .map((body) => this.newOrderRow(siteId, body, now));
    await this.assertUniqueAll(tx, siteId, fresh);
    const inserted = new Map<string, OrderRow>();
    for (const part of slices(fresh, ROWS_PER_INSERT)) {
      for (const row of await tx.insert(orders).values(part).returning()) inserted.set(row.id, row);
    }
    const created = fresh.map((f) => inserted.get(f.id)!);
    await recordOrderChanges(tx, created, 'created');
    const wake = await publishNewOrders(tx, created);
    await appendEvents(
      tx,
      siteId,
      created.map((order) => ({ type: 'order.scheduled' as const, data: orderEventData(order) })),
    );
    const byPims = new Map(created.map((o) => [o.pimsOrderId, o]));
    return {
      results: bodies.map((b) => {
        const old = existing.get(b.pimsOrderId);
        return old ? { order: old, created: false } : { order: byPims.get(b.pimsOrderId)!, created: true };
      }),
      wake,
    };
  }

  /** Corrections while scheduled; the worklist on every agent follows. */
  async correct(siteId: string, orderId: string, patch: PatchOrderBody): Promise<OrderRow> {
    return (await this.writeAndWake((tx) => this.correctWithin(tx, siteId, orderId, patch))).order;
  }

  /** `correct` inside the caller's write transaction; the caller wakes `wake` after its commit. */
  async correctWithin(
    tx: Tx,
    siteId: string,
    orderId: string,
    patch: PatchOrderBody,
  ): Promise<{ order: OrderRow; wake: string[] }> {
    const current = await requireOrder(tx, siteId, orderId);
    if (current.status !== 'scheduled') {
      throw new LightboxError(
        'conflict',
        `the order is ${current.status}; corrections are possible only while scheduled`,
      );
    }
    const before = JSON.parse(current.requestJson) as StoredRequest;
    const request: StoredRequest = {
      ...before,
      procedure: { ...before.procedure, ...patch.procedure },
      scheduled: { ...before.scheduled, ...patch.scheduled },
      patient: { ...before.patient, ...patch.patient },
      client: { ...before.client, ...patch.client },
      ...(patch.priority ? { priority: patch.priority } : {}),
      ...(patch.reason !== undefined ? { reason: patch.reason } : {}),
      ...(patch.requestingVet ? { requestingVet: patch.requestingVet } : {}),
    };
    const ids: OrderIdentifiers = {
      accessionNumber: current.accessionNumber,
      requestedProcedureId: current.requestedProcedureId,
      scheduledProcedureStepId: current.scheduledProcedureStepId,
      studyInstanceUid: current.studyInstanceUid,
    };
    const { attributes, errors } = mapOrderToWorklist(request, ids, this.deps.timeZone);
    if (errors.length > 0) throw validationFailed(errors);
    const [order] = await tx
      .update(orders)
      .set({
        pimsPatientId: request.patient.id,
        modality: request.procedure.modality,
        stationAeTitle: request.scheduled.stationAeTitle ?? null,
        requestJson: JSON.stringify(request),
        attributesJson: JSON.stringify(attributes),
        revision: current.revision + 1,
        updatedAt: new Date().toISOString(),
      })
      .where(eq(orders.id, current.id))
      .returning();
    await recordOrderChange(tx, order!, 'corrected', Object.keys(patch).join(', '));
    return { order: order!, wake: await publishOrder(tx, order!) };
  }

  /** Cancelled before acquisition: the item disappears from every agent. Repeating it is harmless. */
  async cancel(siteId: string, orderId: string, reason: string): Promise<OrderRow> {
    return (await this.writeAndWake((tx) => this.cancelWithin(tx, siteId, orderId, reason))).order;
  }

  /** `cancel` inside the caller's write transaction; the caller wakes `wake` after its commit. */
  async cancelWithin(
    tx: Tx,
    siteId: string,
    orderId: string,
    reason: string,
  ): Promise<{ order: OrderRow; wake: string[] }> {
    const command: StatusCommand = {
      event: { kind: 'cancel' },
      refusal: 'only a scheduled order can be cancelled',
      change: 'cancelled',
      reason,
    };
    return this.changeStatus(tx, siteId, orderId, command, (order) =>
      appendEvent(tx, siteId, 'order.cancelled', { ...orderEventData(order), reason }),
    );
  }

  /**
   * Completed by hand: for a modality that sends neither MPPS nor images, or an order finished on
   * paper. The PIMS hears `order.completed` with reason `manual`. Repeating it is harmless.
   */
  async completeManually(siteId: string, orderId: string, note: string | null): Promise<OrderRow> {
    return (await this.writeAndWake((tx) => this.completeManuallyWithin(tx, siteId, orderId, note))).order;
  }

  /** `completeManually` inside the caller's write transaction; the caller wakes `wake` after its commit. */
  async completeManuallyWithin(
    tx: Tx,
    siteId: string,
    orderId: string,
    note: string | null,
  ): Promise<{ order: OrderRow; wake: string[] }> {
    const command: StatusCommand = {
      event: { kind: 'complete-manually' },
      refusal: 'it cannot be completed',
      change: 'completed:manual',
      reason: note,
    };
    return this.changeStatus(tx, siteId, orderId, command, (order) =>
      appendEvent(tx, siteId, 'order.completed', { ...orderEventData(order), reason: 'manual', note }),
    );
  }

  /** Runs a command in one write transaction, then wakes the agents whose worklists it changed. */
  private async writeAndWake<T extends { wake: string[] }>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await this.deps.database.write(work);
    this.deps.notifyAgents(result.wake);
    return result;
  }

  /**
   * A status change through the state machine: 409 when it has no move for the order's status, nothing
   * written when the order is there already (a repeat is harmless), else the change, the worklist
   * and then the event `announce` appends.
   */
  private async changeStatus(
    tx: Tx,
    siteId: string,
    orderId: string,
    command: StatusCommand,
    announce: (order: OrderRow) => Promise<unknown>,
  ): Promise<{ order: OrderRow; wake: string[] }> {
    const current = await requireOrder(tx, siteId, orderId);
    const next = nextOrderStatus(current.status, command.event);
    if (next === null)
      throw new LightboxError('conflict', `the order is ${current.status}; ${command.refusal}`);
    if (next === current.status) return { order: current, wake: [] as string[] };
    const order = await changeOrderStatus(tx, current, next, command.change, command.reason);
    const wake = await publishOrder(tx, order);
    await announce(order);
    return { order, wake };
  }

  /** `assertUnique` for a list of new orders: against the site's orders and each other. */
  /**
   * A new order's row: its identifiers (the PIMS's, or minted), the request as stored with its
   * schedule fixed (no schedule means "now, any station of the modality", fixed here so that every
   * agent and every restart serves the same value), and its worklist attributes. Throws when the
   * order cannot be a worklist item.
   */
  private newOrderRow(siteId: string, body: CreateOrderBody, now: string) {
    const minted = mintOrderIdentifiers();
    const ids: OrderIdentifiers = {
      accessionNumber: body.accessionNumber ?? minted.accessionNumber,
      requestedProcedureId: body.requestedProcedureId ?? minted.requestedProcedureId,
      scheduledProcedureStepId: body.scheduledProcedureStepId ?? minted.scheduledProcedureStepId,
      studyInstanceUid: body.studyInstanceUid ?? mintStudyInstanceUid(),
    };
    const request: StoredRequest = { ...body, ...ids, scheduled: body.scheduled ?? { at: now } };
    const { attributes, errors } = mapOrderToWorklist(request, ids, this.deps.timeZone);
    if (errors.length > 0) throw validationFailed(errors);
    return {
      id: mintOrderId(),
      siteId,
      pimsSystem: body.pims.system,
      pimsSiteId: body.pims.siteId,
      pimsOrderId: body.pimsOrderId,
      pimsPatientId: body.patient.id,
      status: 'scheduled' as const,
      ...ids,
      modality: body.procedure.modality,
      stationAeTitle: request.scheduled.stationAeTitle ?? null,
      requestJson: JSON.stringify(request),
      attributesJson: JSON.stringify(attributes),
      updatedAt: now,
    };
  }

  private async assertUniqueAll(tx: Tx, siteId: string, list: OrderIdentifiers[]): Promise<void> {
    const accessions = new Set<string>();
    const uids = new Set<string>();
    for (const ids of list) {
      // Two new orders of the list sharing one: one by one, the first would be created, the second refused.
      if (accessions.has(ids.accessionNumber)) throw accessionTaken(ids.accessionNumber);
      if (uids.has(ids.studyInstanceUid)) throw studyUidTaken();
      accessions.add(ids.accessionNumber);
      uids.add(ids.studyInstanceUid);
    }
    for (const part of slices([...accessions], IN_LIST)) {
      const [taken] = await tx
        .select({ accession: orders.accessionNumber })
        .from(orders)
        .where(and(eq(orders.siteId, siteId), inArray(orders.accessionNumber, part)))
        .limit(1);
      if (taken) throw accessionTaken(taken.accession);
    }
    for (const part of slices([...uids], IN_LIST)) {
      const [taken] = await tx
        .select({ id: orders.id })
        .from(orders)
        .where(and(eq(orders.siteId, siteId), inArray(orders.studyInstanceUid, part)))
        .limit(1);
      if (taken) throw studyUidTaken();
    }
  }

  private async assertUnique(tx: Tx, siteId: string, ids: OrderIdentifiers): Promise<void> {
    const [byAccession] = await tx
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.siteId, siteId), eq(orders.accessionNumber, ids.accessionNumber)));
    if (byAccession) throw accessionTaken(ids.accessionNumber);
    const [byUid] = await tx
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.siteId, siteId), eq(orders.studyInstanceUid, ids.studyInstanceUid)));
    if (byUid) throw studyUidTaken();
  }
}
