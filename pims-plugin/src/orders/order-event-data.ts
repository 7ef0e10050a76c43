import type { orders } from '../db/schema.js';

/** What every order event carries: the ids a PIMS needs to find its invoice line again. */
export function orderEventData(order: typeof orders.$inferSelect): Record<string, unknown> {
  const request = JSON.parse(order.requestJson) as { pims?: unknown; invoice?: unknown };
  return {
    orderId: order.id,
    pimsOrderId: order.pimsOrderId,
    pims: request.pims,
    invoice: request.invoice ?? null,
    pimsPatientId: order.pimsPatientId,
    accessionNumber: order.accessionNumber,
    studyInstanceUid: order.studyInstanceUid,
    status: order.status,
  };
}
