import { and, eq, ne } from 'drizzle-orm';
import type { StoredInstanceMessage } from '@lightbox/protocol';
import type { Tx } from '../db/database.js';
import {
  agents,
  orderTimeline,
  orders,
  studies,
  studyAudit,
  studyInstances,
  studySeries,
} from '../db/schema.js';
import { appendEvent } from '../events/event-store.js';
import { orderEventData } from '../orders/order-event-data.js';
import { nextOrderStatus } from '../orders/order-state-machine.js';
import { publishOrder } from '../orders/worklist-publisher.js';
import { mintId } from '../sites/secret-hash.js';
import { completeIfImagesArrived } from './completion-waits.js';
import type { MediaStore } from './media-store.js';
import { recordInstanceImage } from './instance-image-intake.js';
import { matchStudyToOrder } from './study-matching.js';
import { studyEventData } from './study-event-data.js';

type StudyRow = typeof studies.$inferSelect;

/**
 * Files one instance an agent stored, inside the link's inbox transaction: its study (matched to
 * an order when one can be found without guessing), series, media and events. A repeat of the
 * same bytes changes nothing. Returns the agents whose worklists changed.
 */
export async function applyStoredInstance(
  tx: Tx,
  agentId: string,
  msg: StoredInstanceMessage,
  media: MediaStore,
  nowMs = Date.now(),
): Promise<string[]> {
  const [agent] = await tx.select({ siteId: agents.siteId }).from(agents).where(eq(agents.id, agentId));
  if (!agent) return [];
  const siteId = agent.siteId;
  const wake: string[] = [];
  let [study] = await tx
    .select()
    .from(studies)
    .where(and(eq(studies.siteId, siteId), eq(studies.studyInstanceUid, msg.studyInstanceUid)));
  if (!study) {
    const created = await createStudy(tx, agentId, siteId, msg, nowMs);
    study = created.study;
    wake.push(...created.wake);
  }
  const seriesId = await upsertSeries(tx, study.id, msg);
  // Before the repeat check: the same bytes sent again by an agent that now renders renditions
  // give an instance filed without them its facts.
  await recordInstanceImage(tx, msg, media);
  const [same] = await tx
    .select({ id: studyInstances.id })
    .from(studyInstances)
    .where(
      and(
        eq(studyInstances.seriesId, seriesId),
        eq(studyInstances.sopInstanceUid, msg.sopInstanceUid),
        eq(studyInstances.sha256, msg.sha256),
      ),
    );
  if (same) return wake;
  const [otherBytes] = await tx
    .select({ id: studyInstances.id })
    .from(studyInstances)
    .where(and(eq(studyInstances.sopInstanceUid, msg.sopInstanceUid), ne(studyInstances.sha256, msg.sha256)));
  // Content-addressed: writing again after a rolled-back attempt costs nothing and loses nothing.
  const thumbnailSha256 = await media.put(Buffer.from(msg.media.thumbnail, 'base64'));
  const previewSha256 = await media.put(Buffer.from(msg.media.preview, 'base64'));
  await tx.insert(studyInstances).values({
    studyId: study.id,
    seriesId,
    sopInstanceUid: msg.sopInstanceUid,
    sopClassUid: msg.sopClassUid,
    sha256: msg.sha256,
    size: msg.size ?? null,
    transferSyntaxUid: msg.transferSyntaxUid ?? null,
    instanceNumber: msg.attributes.instanceNumber ?? null,
    thumbnailSha256,
    previewSha256,
    placeholderReason: msg.media.placeholderReason,
    conflict: msg.conflict || Boolean(otherBytes),
    agentId,
    receivedAt: msg.receivedAt,
  });
  await tx
    .update(studies)
    .set({ instanceCount: study.instanceCount + 1, lastReceivedAtMs: nowMs })
    .where(eq(studies.id, study.id));
  if (study.orderId) wake.push(...(await completeIfImagesArrived(tx, study.orderId)));
  return wake;
}

async function createStudy(
  tx: Tx,
  agentId: string,
  siteId: string,
  msg: StoredInstanceMessage,
  nowMs: number,
): Promise<{ study: StudyRow; wake: string[] }> {
  const a = msg.attributes;
  const match = await matchStudyToOrder(tx, siteId, msg);
  const [study] = await tx
    .insert(studies)
    .values({
      id: mintId('stu'),
      siteId,
      studyInstanceUid: msg.studyInstanceUid,
      orderId: match.order?.id ?? null,
      status: match.order ? 'matched' : 'unmatched',
      matchedBy: match.order ? match.by : null,
      patientId: a.patientId ?? null,
      patientName: a.patientName ?? null,
      species: a.patientSpeciesDescription ?? null,
      accessionNumber: a.accessionNumber ?? null,
      modality: a.modality ?? null,
      description: a.studyDescription ?? null,
      performedAt: performedAt(a.studyDate, a.studyTime),
      agentId,
      lastReceivedAtMs: nowMs,
      firstReceivedAt: new Date(nowMs).toISOString(),
    })
    .returning();
  const at = new Date(nowMs).toISOString();
  await tx.insert(studyAudit).values({
    studyId: study!.id,
    at,
    action: match.order ? 'matched' : 'unmatched',
    orderId: match.order?.id ?? null,
    detail: match.order ? `by ${match.by.replaceAll('_', ' ')}` : match.reason,
  });
  const wake: string[] = [];
  let order = match.order;
  if (order) {
    // The first image shows the procedure has begun, for modalities whose MPPS is late or absent.
    const next = nextOrderStatus(order.status, { kind: 'step-started' });
    if (next === 'in_progress' && order.status === 'scheduled') {
      const [moved] = await tx
        .update(orders)
        .set({ status: next, revision: order.revision + 1, updatedAt: at })
        .where(eq(orders.id, order.id))
        .returning();
      order = moved!;
      await tx.insert(orderTimeline).values({
        orderId: order.id,
        at,
        status: next,
        change: 'images:first',
        reason: `study ${msg.studyInstanceUid}`,
      });
      await appendEvent(tx, siteId, 'order.in_progress', { ...orderEventData(order), studyId: study!.id });
      wake.push(...(await publishOrder(tx, order)));
    }
  }
  await appendEvent(tx, siteId, 'study.received', studyEventData(study!, order));
  if (match.order === null)
    await appendEvent(tx, siteId, 'study.unmatched', {
      ...studyEventData(study!, null),
      reason: match.reason,
    });
  return { study: study!, wake };
}

async function upsertSeries(tx: Tx, studyId: string, msg: StoredInstanceMessage): Promise<number> {
  const [existing] = await tx
    .select({ id: studySeries.id })
    .from(studySeries)
    .where(and(eq(studySeries.studyId, studyId), eq(studySeries.seriesInstanceUid, msg.seriesInstanceUid)));
  if (existing) return existing.id;
  const a = msg.attributes;
  const [row] = await tx
    .insert(studySeries)
    .values({
      studyId,
      seriesInstanceUid: msg.seriesInstanceUid,
      modality: a.modality ?? null,
      bodyPart: a.bodyPartExamined ?? null,
      description: a.seriesDescription ?? null,
      seriesNumber: a.seriesNumber ?? null,
    })
    .returning({ id: studySeries.id });
  return row!.id;
}

/** DICOM DA + TM to ISO, when the date is there; the time is optional and may carry fractions. */
function performedAt(date: string | undefined, time: string | undefined): string | null {
  if (!date || !/^\d{8}$/.test(date)) return null;
  const d = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
  const t = time?.match(/^(\d{2})(\d{2})?(\d{2})?/);
  if (!t) return d;
  return `${d}T${t[1]}:${t[2] ?? '00'}:${t[3] ?? '00'}`;
}
