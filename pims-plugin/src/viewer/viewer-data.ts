import { and, eq } from 'drizzle-orm';
import type { CreateOrderBody } from '../orders/order-dto.js';
import type { Db } from '../db/database.js';
import { orders, studies } from '../db/schema.js';
import type { InstanceImageView } from '../studies/instance-image-view.js';
import type { MediaLinker } from '../studies/media-url.js';
import { studyView } from '../studies/study-queries.js';

/** One image as the viewer steps through it. */
export interface ViewerImage {
  label: string;
  seriesIndex: number;
  previewUrl: string;
  modality: string | null;
  image: InstanceImageView | null;
  placeholder: boolean;
}

export interface ViewerStudy {
  studyId: string;
  title: string;
  modality: string | null;
  images: ViewerImage[];
  seriesLabels: string[];
}

/**
 * A study of the patient, laid out for the viewer: every image in viewing order (series by number,
 * then instance number), with its rendition and facts. Null when the study is not of this patient
 * of this site: the caller answers that as it answers a bad link.
 */
export async function viewerStudy(
  db: Db,
  siteId: string,
  pimsPatientId: string,
  studyId: string,
  link: MediaLinker,
): Promise<ViewerStudy | null> {
  const [row] = await db
    .select({ study: studies, order: orders })
    .from(studies)
    .innerJoin(orders, eq(orders.id, studies.orderId))
    .where(and(eq(studies.id, studyId), eq(studies.siteId, siteId), eq(orders.pimsPatientId, pimsPatientId)));
  if (!row || row.order.siteId !== siteId) return null;
  const view = await studyView(db, row.study, link);
  const request = JSON.parse(row.order.requestJson) as CreateOrderBody;
  const images: ViewerImage[] = [];
  const seriesLabels: string[] = [];
  for (const [s, series] of view.series.entries()) {
    const name = series.description ?? `Series ${s + 1}`;
    seriesLabels.push(name);
    for (const [n, i] of series.instances.entries()) {
      images.push({
        label: `${name}, image ${n + 1} of ${series.instances.length}`,
        seriesIndex: s,
        previewUrl: i.previewUrl,
        modality: series.modality,
        image: i.image,
        placeholder: i.placeholderReason !== null,
      });
    }
  }
  return {
    studyId: row.study.id,
    title: request.procedure.description,
    modality: row.study.modality,
    images,
    seriesLabels,
  };
}
