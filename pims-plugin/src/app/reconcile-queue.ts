import { and, desc, eq, inArray, ne } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { auditLog, orderTimeline, orders, performedSteps, studies, studyInstances } from '../db/schema.js';
import type { MediaLinker } from '../studies/media-url.js';
import {
  openOrdersOf,
  performedPatientOf,
  rankForPatient,
  type OrderSuggestion,
} from '../performed-steps/reconciliation-suggestions.js';
import { orderFacts, type OrderFacts } from './order-facts.js';

/** What the modality said about the patient, to set beside what the order says. */
export interface ModalityPatient {
  patientId: string | null;
  patientName: string | null;
  modality: string | null;
  date: string | null;
}

export interface QueueItem {
  kind: 'study' | 'step';
  id: string;
  title: string;
  receivedAt: string;
  station: string | null;
  modality: ModalityPatient;
  thumbnails: { url: string; alt: string }[];
  imageCount: number;
  suggestions: { suggestion: OrderSuggestion; order: OrderFacts }[];
}

export interface ReconcileQueue {
  studies: QueueItem[];
  steps: QueueItem[];
  reopened: { order: OrderFacts; at: string; reason: string | null }[];
  recent: (typeof auditLog.$inferSelect)[];
}

const LIST_LIMIT = 50;
const THUMBNAILS = 4;

/** The day's repair list: unmatched studies, unscheduled MPPS, orders re-opened by the modality. */
export async function loadReconcileQueue(
  db: Db,
  siteId: string,
  media: MediaLinker,
): Promise<ReconcileQueue> {
  const open = await openOrdersOf(db, siteId);
  const byId = new Map(open.map((o) => [o.id, o]));
  const withOrders = (suggestions: OrderSuggestion[]) =>
    suggestions.map((suggestion) => ({ suggestion, order: orderFacts(byId.get(suggestion.orderId)!) }));

  const studyRows = await db
    .select()
    .from(studies)
    .where(and(eq(studies.siteId, siteId), eq(studies.status, 'unmatched')))
    .orderBy(desc(studies.lastReceivedAtMs))
    .limit(LIST_LIMIT);
  const studyItems: QueueItem[] = [];
  for (const s of studyRows) {
    const instances = await db
      .select({ sha: studyInstances.thumbnailSha256, n: studyInstances.instanceNumber })
      .from(studyInstances)
      .where(eq(studyInstances.studyId, s.id))
      .orderBy(studyInstances.instanceNumber, studyInstances.id)
      .limit(THUMBNAILS);
    const modality: ModalityPatient = {
      patientId: s.patientId,
      patientName: s.patientName,
      modality: s.modality,
      date: s.performedAt?.slice(0, 10).replace(/-/g, '') ?? null,
    };
    studyItems.push({
      kind: 'study',
      id: s.id,
      title: s.description ?? 'Study without a description',
      receivedAt: s.firstReceivedAt,
      station: null,
      modality,
      thumbnails: instances.map((i, k) => ({ url: media(i.sha), alt: `Image ${k + 1} of the study` })),
      imageCount: s.instanceCount,
      suggestions: withOrders(
        rankForPatient(
          { patientId: s.patientId, patientName: s.patientName, startDate: modality.date },
          s.modality,
          open,
          3,
        ),
      ),
    });
  }

  const stepRows = await db
    .select()
    .from(performedSteps)
    .where(and(eq(performedSteps.siteId, siteId), eq(performedSteps.orderIdsJson, '[]')))
    .orderBy(desc(performedSteps.updatedAt))
    .limit(LIST_LIMIT);
  const stepItems: QueueItem[] = stepRows.map((step) => {
    const p = performedPatientOf(step);
    return {
      kind: 'step',
      id: step.sopInstanceUid,
      title: `Procedure step ${step.status.toLowerCase().replace('_', ' ')}`,
      receivedAt: step.updatedAt,
      station: step.callingAeTitle,
      modality: {
        patientId: p.patientId,
        patientName: p.patientName,
        modality: step.modality,
        date: p.startDate,
      },
      thumbnails: [],
      imageCount: 0,
      suggestions: withOrders(rankForPatient(p, step.modality, open, 3)),
    };
  });

  // Back to scheduled after the modality said "incorrect worklist entry selected".
  const reopenedRows = await db
    .select({ order: orders, at: orderTimeline.at, reason: orderTimeline.reason })
    .from(orderTimeline)
    .innerJoin(orders, eq(orders.id, orderTimeline.orderId))
    .where(
      and(
        eq(orders.siteId, siteId),
        eq(orders.status, 'scheduled'),
        eq(orderTimeline.status, 'scheduled'),
        ne(orderTimeline.change, 'created'),
        ne(orderTimeline.change, 'corrected'),
      ),
    )
    .orderBy(desc(orderTimeline.id))
    .limit(LIST_LIMIT);
  const seen = new Set<string>();
  const reopened = reopenedRows
    .filter((r) => !seen.has(r.order.id) && seen.add(r.order.id))
    .map((r) => ({ order: orderFacts(r.order), at: r.at, reason: r.reason }));

  const recent = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.siteId, siteId), inArray(auditLog.subjectType, ['study', 'performed_step'])))
    .orderBy(desc(auditLog.id))
    .limit(10);

  return { studies: studyItems, steps: stepItems, reopened, recent };
}
