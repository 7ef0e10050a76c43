import type { OrderStatus } from './order-dto.js';
import { and, asc, eq, gt, gte, or, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../db/database.js';
import { orderTimeline, orders } from '../db/schema.js';
import { decodePageCursor, encodePageCursor, pageOf } from '../db/page-cursor.js';
import { requireRowOfSite } from '../db/row-of-site.js';
import { studiesOfOrder } from './order-studies.js';

type OrderRow = typeof orders.$inferSelect;

/** The order as the API shows it: what the PIMS sent, the identifiers, and where it stands. */
export function orderView(order: OrderRow) {
  const request = JSON.parse(order.requestJson) as Record<string, unknown>;
  return {
    orderId: order.id,
    status: order.status,
    pims: request.pims,
    pimsOrderId: order.pimsOrderId,
    invoice: request.invoice ?? null,
    accessionNumber: order.accessionNumber,
    requestedProcedureId: order.requestedProcedureId,
    scheduledProcedureStepId: order.scheduledProcedureStepId,
    studyInstanceUid: order.studyInstanceUid,
    procedure: request.procedure,
    scheduled: request.scheduled,
    priority: request.priority,
    reason: request.reason ?? null,
    requestingVet: request.requestingVet ?? null,
    patient: request.patient,
    client: request.client,
    revision: order.revision,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

/** The order of this site with that id, or 404. */
export function requireOrder(db: Db | Tx, siteId: string, orderId: string): Promise<OrderRow> {
  return requireRowOfSite(db, orders, siteId, orderId, 'order');
}

export async function getOrder(db: Db, siteId: string, orderId: string) {
  const order = await requireOrder(db, siteId, orderId);
  const timeline = await db
    .select({
      at: orderTimeline.at,
      status: orderTimeline.status,
      change: orderTimeline.change,
      reason: orderTimeline.reason,
    })
    .from(orderTimeline)
    .where(eq(orderTimeline.orderId, order.id))
    .orderBy(asc(orderTimeline.id));
  return { ...orderView(order), timeline, studies: await studiesOfOrder(db, order.id) };
}

export interface ListOrdersQuery {
  status?: OrderStatus | undefined;
  pimsPatientId?: string | undefined;
  updatedSince?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Oldest change first, so a PIMS can follow the list with `updatedSince` or the cursor. */
export async function listOrders(db: Db, siteId: string, q: ListOrdersQuery) {
  const where: SQL[] = [eq(orders.siteId, siteId)];
  if (q.status) where.push(eq(orders.status, q.status));
  if (q.pimsPatientId) where.push(eq(orders.pimsPatientId, q.pimsPatientId));
  if (q.updatedSince) where.push(gte(orders.updatedAt, new Date(q.updatedSince).toISOString()));
  if (q.cursor) {
    const [updatedAt, id] = decodePageCursor(q.cursor);
    where.push(or(gt(orders.updatedAt, updatedAt), and(eq(orders.updatedAt, updatedAt), gt(orders.id, id)))!);
  }
  const rows = await db
    .select()
    .from(orders)
    .where(and(...where))
    .orderBy(asc(orders.updatedAt), asc(orders.id))
    .limit(q.limit + 1);
  const { page, next } = pageOf(rows, q.limit, (last) => encodePageCursor(last.updatedAt, last.id));
  return { items: page.map(orderView), next };
}

/** The order a PIMS knows by its own id: `(pims.system, pims.siteId, pimsOrderId)`, as creating it was keyed. */
export async function findOrderByPimsId(
  db: Db | Tx,
  siteId: string,
  pims: { system: string; siteId: string },
  pimsOrderId: string,
): Promise<OrderRow | undefined> {
  const [row] = await db
    .select()
    .from(orders)
    .where(
      and(
        eq(orders.siteId, siteId),
        eq(orders.pimsSystem, pims.system),
        eq(orders.pimsSiteId, pims.siteId),
        eq(orders.pimsOrderId, pimsOrderId),
      ),
    );
  return row;
}
