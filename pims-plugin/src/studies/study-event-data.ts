import type { orders, studies } from '../db/schema.js';
import { orderEventData } from '../orders/order-event-data.js';

/** What every study event carries: the study, and the order's ids when it has one. */
export function studyEventData(
  study: typeof studies.$inferSelect,
  order: typeof orders.$inferSelect | null,
): Record<string, unknown> {
  return {
    ...(order ? orderEventData(order) : {}),
    studyId: study.id,
    studyInstanceUid: study.studyInstanceUid,
    orderId: order?.id ?? null,
    studyStatus: order ? 'matched' : 'unmatched',
    modality: study.modality,
    patientId: study.patientId,
  };
}
