import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { studies } from '../db/schema.js';

type StudyRow = typeof studies.$inferSelect;

/**
 * A study in a list: on an order's detail and in the studies API. Here, beside the order, because
 * an order's detail lists its studies and the studies folder already depends on orders.
 */
export function studySummary(study: StudyRow) {
  return {
    studyId: study.id,
    studyInstanceUid: study.studyInstanceUid,
    orderId: study.orderId,
    status: study.status,
    matchedBy: study.matchedBy,
    performedAt: study.performedAt,
    modality: study.modality,
    description: study.description,
    patient: { patientId: study.patientId, name: study.patientName, species: study.species },
    accessionNumber: study.accessionNumber,
    instanceCount: study.instanceCount,
    receivedAt: study.firstReceivedAt,
  };
}

export async function studiesOfOrder(db: Db, orderId: string) {
  const rows = await db
    .select()
    .from(studies)
    .where(eq(studies.orderId, orderId))
    .orderBy(asc(studies.firstReceivedAt));
  return rows.map(studySummary);
}
