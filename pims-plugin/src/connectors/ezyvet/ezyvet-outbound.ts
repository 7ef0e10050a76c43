import { Blob } from 'node:buffer';
import { FormData } from 'undici';
import type { CreateOrderBody } from '../../orders/order-dto.js';
import type { Db } from '../../db/database.js';
import type { EventEnvelope } from '../../events/event-envelope.js';
import type { DeliveryOutcome, OutboundMessage } from '../connector-kind.js';
import type { ConnectorServices } from '../connector-services.js';
import { orderOfEvent, previewAttachments, readyImages } from '../event-order.js';
import { outcomeOfFailure, VendorRefused } from '../vendor-http.js';
import type { EzyvetApiClient } from './ezyvet-api-client.js';
import type { EzyvetSettings } from './ezyvet-settings.js';

/** An image attached to the animal's record, or the request's result status with its portal link. */
export type EzyvetPayload =
  | {
      type: 'attachment';
      requestId: string;
      animalId: string;
      fileName: string;
      mediaPath: string;
      description: string;
    }
  | { type: 'result'; requestId: string; animalId: string; status: ResultStatus; resultUrl: string };

type ResultStatus = 'images_available' | 'complete' | 'discontinued';

const statusOf: Record<string, ResultStatus> = {
  'order.completed': 'complete',
  'order.discontinued': 'discontinued',
};

/**
 * The site's events → ezyVet: when the images are ready, each preview as an attachment on the
 * animal's record and the result marked available with its portal link; when the order completes
 * or is discontinued, the result's status. One message per attachment, so a retry resends only
 * what was not taken.
 */
export async function translateForEzyvet(
  event: EventEnvelope,
  settings: EzyvetSettings,
  siteId: string,
  db: Db,
  services: ConnectorServices,
  connectorId: string,
): Promise<OutboundMessage[]> {
  const found = await orderOfEvent(db, siteId, event, { system: 'ezyvet', siteId: settings.pimsSiteId });
  if (!found) return [];
  const { order, pimsOrderId: requestId } = found;
  const request = JSON.parse(order.requestJson) as CreateOrderBody;
  const animalId = request.patient.id;
  const resultUrl = services.absoluteUrl(
    `/connectors/${connectorId}/result?diagnostic_request_id=${encodeURIComponent(requestId)}&client_id=${encodeURIComponent(settings.partnerClientId)}`,
  );
  const status = statusOf[event.type];
  if (status) {
    return [
      {
        orderKey: order.id,
        label: `result ${status}`,
        payload: { type: 'result', requestId, animalId, status, resultUrl } satisfies EzyvetPayload,
      },
    ];
  }
  if (event.type !== 'attachment.ready') return [];
  const messages = previewAttachments(
    order,
    readyImages(event),
    (file, n, count) =>
      ({
        type: 'attachment',
        requestId,
        animalId,
        ...file,
        description: `${request.procedure.description} (${order.accessionNumber}), image ${n} of ${count}. All images: ${resultUrl}`,
      }) satisfies EzyvetPayload,
  );
  messages.push({
    orderKey: order.id,
    label: 'result images_available',
    payload: {
      type: 'result',
      requestId,
      animalId,
      status: 'images_available',
      resultUrl,
    } satisfies EzyvetPayload,
  });
  return messages;
}

export async function deliverToEzyvet(
  payload: EzyvetPayload,
  api: EzyvetApiClient,
  services: ConnectorServices,
): Promise<DeliveryOutcome> {
  try {
    if (payload.type === 'attachment') {
      const query = new URLSearchParams({
        record_type: 'Animal',
        record_id: payload.animalId,
        name: payload.fileName,
      });
      const found = await api.request('GET', `/v1/attachment?${query.toString()}`);
      if (itemsOf(found.text).length > 0) return { kind: 'delivered', detail: 'already attached' };
      const bytes = await services.readMedia(payload.mediaPath);
      if (!bytes) return { kind: 'rejected', error: `the image ${payload.mediaPath} is gone` };
      const form = new FormData();
      form.set('record_type', 'Animal');
      form.set('record_id', payload.animalId);
      form.set('name', payload.fileName);
      form.set('description', payload.description);
      form.set('file', new Blob([bytes], { type: 'image/jpeg' }), payload.fileName);
      const created = await api.request('POST', '/v1/attachment', { form });
      return { kind: 'delivered', detail: `HTTP ${created.status}` };
    }
    const query = new URLSearchParams({ diagnostic_request_id: payload.requestId });
    const [existing] = itemsOf(
      await api.request('GET', `/v1/diagnosticresult?${query.toString()}`).then((r) => r.text),
    );
    const found = (existing as { diagnosticresult?: { id?: unknown } } | undefined)?.diagnosticresult?.id;
    const id = typeof found === 'number' || typeof found === 'string' ? String(found) : undefined;
    if (id !== undefined) {
      await api.request('PATCH', `/v1/diagnosticresult/${encodeURIComponent(id)}`, {
        json: { status: payload.status, result_url: payload.resultUrl },
      });
      return { kind: 'delivered', detail: `result ${id} ${payload.status}` };
    }
    await api.request('POST', '/v1/diagnosticresult', {
      json: {
        diagnostic_request_id: payload.requestId,
        animal_id: payload.animalId,
        status: payload.status,
        result_url: payload.resultUrl,
        date: new Date().toISOString(),
      },
    });
    return { kind: 'delivered', detail: `result ${payload.status}` };
  } catch (err) {
    return outcomeOfFailure(err);
  }
}

/** The `items` of an ezyVet list answer; an answer that is no list is a refusal to retry. */
function itemsOf(text: string): unknown[] {
  try {
    const items = (JSON.parse(text) as { items?: unknown }).items;
    if (Array.isArray(items)) return items;
  } catch {
    // fall through
  }
  throw new VendorRefused(502, `expected a list answer, got: ${text.slice(0, 100)}`, null);
}
