import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { CreateOrderBody } from '../orders/order-dto.js';
import type { Db } from '../db/database.js';
import { orders, studies, studySeries } from '../db/schema.js';
import type { MediaLinker } from '../studies/media-url.js';
import { instantOfWallTime } from './site-time.js';

/** Thumbnails a study shows in the panel at most; the viewer has them all. */
export const TILES_PER_STUDY = 12;
/** A series longer than this (a CT, a long cine series) shows one tile standing for all of it. */
const SERIES_SHOWN_WHOLE = 6;

export interface PanelTile {
  /** Position of the instance in the study's viewing order (series, then instance number). */
  index: number;
  thumbnailUrl: string;
  /** What the tile stands for, e.g. "Series 2, 200 images". */
  label: string;
  /** Images behind the tile when it stands for a whole series. */
  count: number;
  placeholder: boolean;
}

export interface PanelEntry {
  /** Null for an order whose images have not arrived yet. */
  studyId: string | null;
  orderId: string | null;
  /** Epoch ms that orders the list: when performed, else first received; scheduled for an order alone. */
  atMs: number;
  /** False when only a date is known (a study's DICOM date without a time): no time is shown. */
  timeKnown: boolean;
  procedure: string;
  modality: string;
  bodyPart: string | null;
  imageCount: number;
  orderStatus: string | null;
  stillArriving: boolean;
  tiles: PanelTile[];
}

/**
 * The panel's content for one patient of one site: every order of the patient with its studies,
 * newest first. A study's order gives its procedure and status; an order without images yet is
 * listed too, so the vet sees what was scheduled. Unknown patients have an empty list.
 */
export async function panelEntries(
  db: Db,
  siteId: string,
  pimsPatientId: string,
  link: MediaLinker,
  timeZone: string,
): Promise<PanelEntry[]> {
  const patientOrders = await db
    .select()
    .from(orders)
    .where(and(eq(orders.siteId, siteId), eq(orders.pimsPatientId, pimsPatientId)));
  if (patientOrders.length === 0) return [];
  const orderIds = patientOrders.map((o) => o.id);
  const studyRows: (typeof studies.$inferSelect)[] = [];
  for (let i = 0; i < orderIds.length; i += 500) {
    studyRows.push(
      ...(await db
        .select()
        .from(studies)
        .where(and(eq(studies.siteId, siteId), inArray(studies.orderId, orderIds.slice(i, i + 500))))),
    );
  }
  const studyIds = studyRows.map((s) => s.id);
  const series = studyIds.length
    ? await db
        .select()
        .from(studySeries)
        .where(inArray(studySeries.studyId, studyIds))
        .orderBy(asc(studySeries.seriesNumber), asc(studySeries.id))
    : [];
  const instances = studyIds.length ? await tileInstances(db, studyIds) : [];
  const orderById = new Map(patientOrders.map((o) => [o.id, o]));
  const entries: PanelEntry[] = [];
  const withStudy = new Set<string>();
  for (const study of studyRows) {
    const order = study.orderId ? orderById.get(study.orderId) : undefined;
    if (order) withStudy.add(order.id);
    const request = order ? (JSON.parse(order.requestJson) as CreateOrderBody) : undefined;
    const ownSeries = series.filter((s) => s.studyId === study.id);
    const ownInstances = instances.filter((i) => i.studyId === study.id);
    const bodyParts = [...new Set(ownSeries.map((s) => s.bodyPart).filter((b): b is string => !!b))];
    entries.push({
      studyId: study.id,
      orderId: order?.id ?? null,
      atMs: studyTime(study, timeZone),
      timeKnown: study.performedAt === null || study.performedAt.length > 10,
      procedure: request?.procedure.description ?? study.description ?? 'Imaging study',
      modality: study.modality ?? order?.modality ?? '',
      bodyPart: bodyParts.join(', ') || request?.procedure.bodyPart || null,
      imageCount: study.instanceCount,
      orderStatus: order?.status ?? null,
      // Announced to the PIMS once quiet: until then more images may come.
      stillArriving: study.instanceCount > study.readyInstanceCount,
      tiles: tilesOf(ownSeries, ownInstances, link),
    });
  }
  for (const order of patientOrders) {
    if (withStudy.has(order.id)) continue;
    const request = JSON.parse(order.requestJson) as CreateOrderBody;
    entries.push({
      studyId: null,
      orderId: order.id,
      atMs: Date.parse(request.scheduled?.at ?? order.createdAt),
      timeKnown: true,
      procedure: request.procedure.description,
      modality: order.modality,
      bodyPart: request.procedure.bodyPart ?? null,
      imageCount: 0,
      orderStatus: order.status,
      stillArriving: false,
      tiles: [],
    });
  }
  return entries.sort((a, b) => b.atMs - a.atMs || (b.studyId ?? '').localeCompare(a.studyId ?? ''));
}

/** The study's DICOM date and time are the site's wall clock; without them, when it arrived. */
function studyTime(study: typeof studies.$inferSelect, timeZone: string): number {
  const performed = study.performedAt ? instantOfWallTime(study.performedAt, timeZone) : NaN;
  return Number.isNaN(performed) ? Date.parse(study.firstReceivedAt) : performed;
}

interface TileInstance {
  studyId: string;
  seriesId: number;
  thumbnailSha256: string;
  placeholderReason: string | null;
  /** 1-based place in its series' viewing order, and the series' length. */
  position: number;
  seriesLength: number;
}

/**
 * Only the instances that become tiles (a short series whole, a long one's middle image), with
 * their place in the series: a CT of hundreds of slices costs the panel one row, not hundreds.
 */
async function tileInstances(db: Db, studyIds: string[]): Promise<TileInstance[]> {
  const rows: TileInstance[] = [];
  for (let i = 0; i < studyIds.length; i += 500) {
    const ids = studyIds.slice(i, i + 500);
    const result = await db.all<TileInstance>(sql`
      select study_id as studyId, series_id as seriesId, thumbnail_sha256 as thumbnailSha256,
             placeholder_reason as placeholderReason, position, series_length as seriesLength
      from (
        select study_id, series_id, thumbnail_sha256, placeholder_reason,
               row_number() over (partition by series_id order by instance_number, id) as position,
               count(*) over (partition by series_id) as series_length
        from study_instances
        where study_id in (${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )})
      )
      where series_length <= ${SERIES_SHOWN_WHOLE} or position = series_length / 2 + 1
      order by series_id, position`);
    rows.push(...result);
  }
  return rows;
}

function tilesOf(
  series: (typeof studySeries.$inferSelect)[],
  instances: TileInstance[],
  link: MediaLinker,
): PanelTile[] {
  const tiles: PanelTile[] = [];
  let index = 0;
  for (const [n, s] of series.entries()) {
    const own = instances.filter((i) => i.seriesId === s.id);
    const name = s.description ?? `Series ${s.seriesNumber ?? n + 1}`;
    const length = own[0]?.seriesLength ?? 0;
    for (const i of own) {
      const whole = length > SERIES_SHOWN_WHOLE;
      tiles.push({
        // The viewer's order: series by series, each in instance order.
        index: index + i.position - 1,
        thumbnailUrl: link(i.thumbnailSha256),
        // A long series (a volume, a loop) shows its middle image, which shows it better than its first.
        label: whole ? `${name}, ${length} images` : `${name}, image ${i.position} of ${length}`,
        count: whole ? length : 1,
        placeholder: i.placeholderReason !== null,
      });
    }
    index += length;
  }
  return tiles.slice(0, TILES_PER_STUDY);
}

/**
 * A cheap summary of what the panel shows, compared by the live-update stream: it changes when an
 * image arrives, a study settles, or an order changes status.
 */
export async function panelFingerprint(db: Db, siteId: string, pimsPatientId: string): Promise<string> {
  const rows = await db
    .select({
      orderId: orders.id,
      status: orders.status,
      revision: orders.revision,
      studyId: studies.id,
      count: studies.instanceCount,
      ready: studies.readyInstanceCount,
    })
    .from(orders)
    .leftJoin(studies, eq(studies.orderId, orders.id))
    .where(and(eq(orders.siteId, siteId), eq(orders.pimsPatientId, pimsPatientId)))
    .orderBy(desc(orders.id));
  return rows
    .map((r) => `${r.orderId}:${r.status}:${r.revision}:${r.studyId}:${r.count}:${r.ready}`)
    .join('|');
}
