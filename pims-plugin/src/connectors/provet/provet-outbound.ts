import { Blob } from 'node:buffer';
import { FormData } from 'undici';
import type { Db } from '../../db/database.js';
import type { EventEnvelope } from '../../events/event-envelope.js';
import type { DeliveryOutcome, OutboundMessage } from '../connector-kind.js';
import type { ConnectorServices } from '../connector-services.js';
import { orderOfEvent, previewAttachments, readyImages } from '../event-order.js';
import { expectOk, outcomeOfFailure, VendorRefused } from '../vendor-http.js';
import { parseObject, refId, type ProvetApiClient } from './provet-api-client.js';
import type { ProvetSettings } from './provet-settings.js';

export type ProvetPayload =
  | { type: 'status'; worklistId: string; status: 'in_progress' | 'completed' | 'discontinued' }
  | { type: 'attachment'; worklistId: string; fileName: string; mediaPath: string; description: string }
  | { type: 'viewer'; worklistId: string; url: string };

const statusOf: Record<string, 'in_progress' | 'completed' | 'discontinued'> = {
  'order.in_progress': 'in_progress',
  'order.completed': 'completed',
  'order.discontinued': 'discontinued',
};

/**
 * The site's events → Provet Cloud: the worklist entry's status as the modality works, and when the
 * images are ready each preview attached to the consultation and the entry given the viewer link.
 * One message per attachment, so a retry resends only what was not taken.
 */
export async function translateForProvet(
  event: EventEnvelope,
  settings: ProvetSettings,
  siteId: string,
  db: Db,
  viewerUrl: (worklistId: string) => string,
): Promise<OutboundMessage[]> {
  const found = await orderOfEvent(db, siteId, event, { system: 'provet', siteId: settings.pimsSiteId });
  if (!found) return [];
  const { order, pimsOrderId: worklistId } = found;
  const status = statusOf[event.type];
  if (status) {
    return [
      {
        orderKey: order.id,
        label: `worklist status ${status}`,
        payload: { type: 'status', worklistId, status } satisfies ProvetPayload,
      },
    ];
  }
  if (event.type !== 'attachment.ready') return [];
  const url = viewerUrl(worklistId);
  const messages = previewAttachments(
    order,
    readyImages(event),
    (file, n, count) =>
      ({
        type: 'attachment',
        worklistId,
        ...file,
        description: `Image ${n} of ${count} (${order.accessionNumber}). All images: ${url}`,
      }) satisfies ProvetPayload,
  );
  messages.push({
    orderKey: order.id,
    label: 'viewer link',
    payload: { type: 'viewer', worklistId, url } satisfies ProvetPayload,
  });
  return messages;
}

export class ProvetDelivery {
  /** Worklist entry → its consultation, learned once per entry. */
  private readonly consultations = new Map<string, string>();

  constructor(
    private readonly api: ProvetApiClient,
    private readonly services: ConnectorServices,
  ) {}

  async deliver(payload: ProvetPayload): Promise<DeliveryOutcome> {
    try {
      const entry = `diagnosticimaging_worklist/${payload.worklistId}/`;
      if (payload.type === 'status') {
        expectOk(await this.api.send('PATCH', entry, { json: { status: payload.status } }));
        return { kind: 'delivered', detail: payload.status };
      }
      if (payload.type === 'viewer') {
        expectOk(await this.api.send('PATCH', entry, { json: { result_url: payload.url } }));
        return { kind: 'delivered', detail: 'viewer link written' };
      }
      const consultation = await this.consultationOf(payload.worklistId);
      const query = new URLSearchParams({ consultation, name: payload.fileName });
      const found = parseObject(expectOk(await this.api.send('GET', `attachment/?${query.toString()}`)));
      if (Array.isArray(found.results) && found.results.length > 0) {
        return { kind: 'delivered', detail: 'already attached' };
      }
      const bytes = await this.services.readMedia(payload.mediaPath);
      if (!bytes) return { kind: 'rejected', error: `the image ${payload.mediaPath} is gone` };
      const form = new FormData();
      form.set('consultation', consultation);
      form.set('name', payload.fileName);
      form.set('description', payload.description);
      form.set('file', new Blob([bytes], { type: 'image/jpeg' }), payload.fileName);
      const res = expectOk(await this.api.send('POST', 'attachment/', { form }));
      return { kind: 'delivered', detail: `HTTP ${res.status}` };
    } catch (err) {
      return outcomeOfFailure(err);
    }
  }

  private async consultationOf(worklistId: string): Promise<string> {
    const known = this.consultations.get(worklistId);
    if (known) return known;
    const entry = await this.api.get(`diagnosticimaging_worklist/${worklistId}/`);
    const referralId = refId(entry?.referral);
    const referral = referralId ? await this.api.get(`diagnosticimaging_referral/${referralId}/`) : null;
    const id = refId(referral?.consultation ?? entry?.consultation);
    if (!id)
      throw new VendorRefused(404, `worklist entry ${worklistId} has no consultation to attach to`, null);
    this.consultations.set(worklistId, id);
    return id;
  }
}
