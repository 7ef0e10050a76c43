import { randomBytes } from 'node:crypto';
import { Hl7Message, Hl7Segment } from '@medplum/core';
import type { CreateOrderBody } from '../../orders/order-dto.js';
import type { Db } from '../../db/database.js';
import type { EventEnvelope } from '../../events/event-envelope.js';
import type { OutboundMessage } from '../connector-kind.js';
import type { ConnectorServices } from '../connector-services.js';
import { orderOfEvent, readyImages } from '../event-order.js';
import { hl7Now } from './hl7-ack.js';
import { escapeHl7, standardContext } from './hl7-message.js';
import type { Hl7Settings } from './hl7-settings.js';

/** What is queued for one outbound HL7 message: its text (UTF-8) and the control id its ACK must echo. */
export interface Hl7Payload {
  controlId: string;
  text: string;
}

/** ORC-5 order status (HL7 table 0038) for each order event. */
const statusOf: Record<string, string> = {
  'order.in_progress': 'IP',
  'order.completed': 'CM',
  'order.discontinued': 'DC',
  'order.cancelled': 'CA',
};

/** Thumbnails embedded at most in one ORU^R01; the others are linked. */
const EMBED_MAX = 20;

/**
 * The site's events → what the HL7 PIMS hears: the order's status as ORM^O01 with ORC-1 `SC` and
 * ORC-5 `IP`/`CM`/`DC`/`CA` (the invoice line is marked done, or its charge removed), and the images
 * as ORU^R01 with links to the thumbnails, previews and the chart panel. Only orders this connector's
 * PIMS placed (its `pimsSiteId`) are reported.
 */
export async function translateForHl7(
  event: EventEnvelope,
  settings: Hl7Settings,
  siteId: string,
  db: Db,
  services: ConnectorServices,
): Promise<OutboundMessage[]> {
  if (!settings.outbound) return [];
  const found = await orderOfEvent(db, siteId, event, { system: 'hl7', siteId: settings.pimsSiteId });
  if (!found) return [];
  const { order, pimsOrderId: placer } = found;
  const request = JSON.parse(order.requestJson) as CreateOrderBody;
  const status = statusOf[event.type];
  if (status) {
    const payload = build(settings, 'ORM^O01^ORM_O01', [
      pid(request),
      seg(
        'ORC',
        'SC',
        escapeHl7(placer),
        escapeHl7(order.accessionNumber),
        '',
        status,
        '',
        '',
        '',
        hl7Now(new Date(event.occurredAt)),
      ),
      obr(request, placer, order.accessionNumber, ''),
    ]);
    return [{ orderKey: order.id, label: `ORM^O01 SC ${status}`, payload }];
  }
  if (event.type !== 'attachment.ready') return [];
  const instances = readyImages(event);
  const panel = await services.panelLink(siteId, order.pimsPatientId);
  const observations: Hl7Segment[] = [];
  // OBX-4 (sub-id) groups the observations of one image: its SOP Instance UID.
  const add = (type: string, id: string, subId: string, value: string) =>
    observations.push(
      seg('OBX', String(observations.length + 1), type, id, subId, value, '', '', '', '', '', 'F'),
    );
  add('RP', 'PANEL^Imaging panel^LIGHTBOX', '', `${escapeHl7(panel.url)}^LIGHTBOX^TEXT^HTML`);
  for (const [n, i] of instances.entries()) {
    const thumbnail = services.absoluteUrl(i.thumbnailPath);
    add('RP', 'THUMB^Thumbnail^LIGHTBOX', i.sopInstanceUid, `${escapeHl7(thumbnail)}^LIGHTBOX^IM^JPEG`);
    const preview = services.absoluteUrl(i.previewPath);
    add('RP', 'PREVIEW^Preview^LIGHTBOX', i.sopInstanceUid, `${escapeHl7(preview)}^LIGHTBOX^IM^JPEG`);
    if (settings.embedThumbnails && n < EMBED_MAX) {
      const bytes = await services.readMedia(i.thumbnailPath);
      if (bytes) {
        add(
          'ED',
          'THUMB^Thumbnail^LIGHTBOX',
          i.sopInstanceUid,
          `LIGHTBOX^IM^JPEG^Base64^${bytes.toString('base64')}`,
        );
      }
    }
  }
  const payload = build(settings, 'ORU^R01^ORU_R01', [
    pid(request),
    seg('ORC', 'RE', escapeHl7(placer), escapeHl7(order.accessionNumber), '', 'CM'),
    obr(request, placer, order.accessionNumber, 'F'),
    ...observations,
  ]);
  return [
    {
      orderKey: order.id,
      label: `ORU^R01 ${instances.length} image${instances.length === 1 ? '' : 's'}`,
      payload,
    },
  ];
}

function build(settings: Hl7Settings, type: string, body: Hl7Segment[]): Hl7Payload {
  // 20 characters: what MSH-10 (ST) holds in every version from 2.3 on.
  const controlId = `LB${randomBytes(12).toString('base64url').replace(/[-_]/g, '0').toUpperCase()}`.slice(
    0,
    20,
  );
  const msh = new Hl7Segment(
    [
      'MSH',
      standardContext.getMsh2(),
      settings.sendingApplication,
      settings.sendingFacility,
      settings.receivingApplication,
      settings.receivingFacility,
      hl7Now(),
      '',
      type,
      controlId,
      'P',
      '2.5.1',
      '',
      '',
      'AL',
      'NE',
      '',
      'UNICODE UTF-8',
    ],
    standardContext,
  );
  const message = new Hl7Message([msh, ...body], standardContext);
  return { controlId, text: message.toString() };
}

/** A segment from field texts; values from outside are escaped by the caller, components joined with `^`. */
function seg(name: string, ...values: string[]): Hl7Segment {
  return new Hl7Segment([name, ...values], standardContext);
}

function pid(request: CreateOrderBody): Hl7Segment {
  const owner = request.client.organization ?? request.client.lastName ?? '';
  return seg(
    'PID',
    '1',
    '',
    escapeHl7(request.patient.id),
    '',
    `${escapeHl7(owner)}^${escapeHl7(request.patient.name)}`,
  );
}

function obr(request: CreateOrderBody, placer: string, filler: string, resultStatus: string): Hl7Segment {
  const values = [
    '1',
    escapeHl7(placer),
    escapeHl7(filler),
    `${escapeHl7(request.procedure.code)}^${escapeHl7(request.procedure.description)}`,
  ];
  while (values.length < 24) values.push('');
  values[23] = request.procedure.modality;
  values[24] = resultStatus;
  return seg('OBR', ...values);
}
