import { LightboxError } from '@lightbox/runtime';
import type { Db } from '../db/database.js';
import type { orders } from '../db/schema.js';
import type { EventEnvelope } from '../events/event-envelope.js';
import { findOrderByPimsId } from '../orders/order-queries.js';
import type { ConnectorContext, OutboundMessage } from './connector-kind.js';

type OrderRow = typeof orders.$inferSelect;

/** One image an `attachment.ready` event lists, by the paths of its renditions. */
export interface ReadyImage {
  sopInstanceUid: string;
  thumbnailPath: string;
  previewPath: string;
  placeholder: boolean;
}

/**
 * The order an event is about, with the id the PIMS gave it, when that PIMS site (`pims`) placed
 * it; null for every other event, so a dialect reports back only what it asked for.
 */
export async function orderOfEvent(
  db: Db,
  siteId: string,
  event: EventEnvelope,
  pims: { system: string; siteId: string },
): Promise<{ order: OrderRow; pimsOrderId: string } | null> {
  const from = event.data.pims as { system?: string; siteId?: string } | undefined;
  if (from?.system !== pims.system || from.siteId !== pims.siteId) return null;
  const pimsOrderId = typeof event.data.pimsOrderId === 'string' ? event.data.pimsOrderId : '';
  if (!pimsOrderId) return null;
  const order = await findOrderByPimsId(db, siteId, pims, pimsOrderId);
  return order ? { order, pimsOrderId } : null;
}

/** The images of an `attachment.ready` event that have renditions (placeholders are left out). */
export function readyImages(event: EventEnvelope): ReadyImage[] {
  return ((event.data.instances as ReadyImage[] | undefined) ?? []).filter((i) => !i.placeholder);
}

/**
 * One message per image's preview, so a retry resends only what the PIMS did not take. The file
 * name carries the SOP Instance UID: a resend after a lost answer finds the file already there.
 * `payload` is the dialect's message for the file, the image's place (from 1) and their count.
 */
export function previewAttachments(
  order: Pick<OrderRow, 'id' | 'accessionNumber'>,
  images: ReadyImage[],
  payload: (file: { fileName: string; mediaPath: string }, n: number, count: number) => unknown,
): OutboundMessage[] {
  return images.map((image, i) => ({
    orderKey: order.id,
    label: `attachment ${i + 1} of ${images.length}`,
    payload: payload(
      { fileName: `${order.accessionNumber}-${image.sopInstanceUid}.jpg`, mediaPath: image.previewPath },
      i + 1,
      images.length,
    ),
  }));
}

/**
 * A PIMS user following a link to an order's images: sent on, uncached, to the chart panel of the
 * order's patient. `missing` is the 404's message when that PIMS site placed no such order.
 */
export async function panelRedirect(
  ctx: Pick<ConnectorContext, 'database' | 'connector' | 'services'>,
  pims: { system: string; siteId: string },
  pimsOrderId: string,
  missing: string,
): Promise<Response> {
  const order = await findOrderByPimsId(ctx.database.db, ctx.connector.siteId, pims, pimsOrderId);
  if (!order) throw new LightboxError('not_found', missing);
  const link = await ctx.services.panelLink(ctx.connector.siteId, order.pimsPatientId);
  return new Response(null, { status: 302, headers: { location: link.url, 'cache-control': 'no-store' } });
}
