import { and, asc, desc, eq, inArray, lt, or, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../db/database.js';
import { orders, studies, studyAudit, studyInstances, studySeries } from '../db/schema.js';
import { decodePageCursor, encodePageCursor, pageOf } from '../db/page-cursor.js';
import { requireRowOfSite } from '../db/row-of-site.js';
import type { MediaLinker } from './media-url.js';
import { imageViewKey, instanceImageViews } from './instance-image-view.js';
import { studySummary } from '../orders/order-studies.js';

type StudyRow = typeof studies.$inferSelect;

/** A study as the chart and the PIMS see it, with every instance's media URLs made by `link`. */
export async function studyView(db: Db, study: StudyRow, link: MediaLinker) {
  const series = await db
    .select()
    .from(studySeries)
    .where(eq(studySeries.studyId, study.id))
    .orderBy(asc(studySeries.seriesNumber), asc(studySeries.id));
  const instances = await db
    .select()
    .from(studyInstances)
    .where(eq(studyInstances.studyId, study.id))
    .orderBy(asc(studyInstances.instanceNumber), asc(studyInstances.id));
  const audit = await db
    .select({
      at: studyAudit.at,
      action: studyAudit.action,
      orderId: studyAudit.orderId,
      detail: studyAudit.detail,
    })
    .from(studyAudit)
    .where(eq(studyAudit.studyId, study.id))
    .orderBy(asc(studyAudit.id));
  const images = await instanceImageViews(db, instances, link);
  return {
    ...studySummary(study),
    series: series.map((s) => ({
      seriesInstanceUid: s.seriesInstanceUid,
      modality: s.modality,
      bodyPart: s.bodyPart,
      description: s.description,
      instances: instances
        .filter((i) => i.seriesId === s.id)
        .map((i) => ({
          sopInstanceUid: i.sopInstanceUid,
          sopClassUid: i.sopClassUid,
          thumbnailUrl: link(i.thumbnailSha256),
          previewUrl: link(i.previewSha256),
          /** Set when the image could not be drawn: the media are a placeholder. */
          placeholderReason: i.placeholderReason,
          /** The same SOP Instance UID arrived with other bytes too; both are kept. */
          conflict: i.conflict,
          /** Size, spacing, the lossless rendition and frame previews; null for placeholders and non-images. */
          image: i.placeholderReason === null ? (images.get(imageViewKey(i)) ?? null) : null,
        })),
    })),
    audit,
  };
}

/** The study of this site with that id, or 404. */
export function getStudy(db: Db | Tx, siteId: string, studyId: string): Promise<StudyRow> {
  return requireRowOfSite(db, studies, siteId, studyId, 'study');
}

/** Newest first, paged by an opaque cursor over (first received, id). */
export async function listStudies(
  db: Db,
  siteId: string,
  q: { status?: 'matched' | 'unmatched' | undefined; limit: number; cursor?: string | undefined },
) {
  const filters: (SQL | undefined)[] = [eq(studies.siteId, siteId)];
  if (q.status) filters.push(eq(studies.status, q.status));
  if (q.cursor) {
    const [at, id] = decodePageCursor(q.cursor);
    filters.push(
      or(lt(studies.firstReceivedAt, at), and(eq(studies.firstReceivedAt, at), lt(studies.id, id))),
    );
  }
  const rows = await db
    .select()
    .from(studies)
    .where(and(...filters))
    .orderBy(desc(studies.firstReceivedAt), desc(studies.id))
    .limit(q.limit + 1);
  const { page, next } = pageOf(rows, q.limit, (last) => encodePageCursor(last.firstReceivedAt, last.id));
  return { items: page.map(studySummary), next };
}

/** The chart's list: studies filed to this patient's orders, newest first. Unmatched ones are not shown. */
export async function studiesOfPatient(db: Db, siteId: string, pimsPatientId: string) {
  const patientOrders = await db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.siteId, siteId), eq(orders.pimsPatientId, pimsPatientId)));
  if (patientOrders.length === 0) return { items: [] };
  const rows = await db
    .select()
    .from(studies)
    .where(
      and(
        eq(studies.siteId, siteId),
        inArray(
          studies.orderId,
          patientOrders.map((o) => o.id),
        ),
      ),
    )
    .orderBy(desc(studies.firstReceivedAt), desc(studies.id));
  return { items: rows.map(studySummary) };
}
