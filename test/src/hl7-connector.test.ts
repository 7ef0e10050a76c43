import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpToDicom, type DumpItem } from './support/dcmtk.js';
import { worklistItems, worklistQueryDump } from './support/worklist-query.js';
import { Hl7Receiver, mllpSend, segment, type ReceivedHl7 } from './support/hl7-peers.js';
import { connectorStack, ordersOfPatient, type OrderItem } from './support/connector-stack.js';
import { waitUntil } from './support/managed-process.js';
import type { CreatedOrder } from './support/mpps-fixtures.js';
import { startAndComplete } from './support/mpps-sender.js';
import { freePort } from './support/ports.js';
import { storeStudyImages } from './support/modality-images.js';

/**
 * HL7 v2 over MLLP end to end, with peers nobody here wrote: Debian's python3-hl7 sends the orders
 * (`mllp_send`) and receives status and results (its asyncio MLLP server); DCMTK's findscu reads the
 * worklist; dcmjs-dimse sends the MPPS.
 */
const hl7Port = await freePort();
let receiver = new Hl7Receiver(await freePort());
// The HL7 connector of `npm start`: LIGHTBOX_HL7_PORT and LIGHTBOX_HL7_OUTBOUND.
const stack = connectorStack({
  LIGHTBOX_HL7_HOST: '127.0.0.1',
  LIGHTBOX_HL7_PORT: String(hl7Port),
  LIGHTBOX_HL7_OUTBOUND: `127.0.0.1:${receiver.port}`,
});

beforeAll(async () => {
  await receiver.start();
  await stack.startAll();
});
const imageDir = mkdtempSync(path.join(tmpdir(), 'lightbox-hl7-images-'));
afterAll(async () => {
  await receiver.stop();
  await stack.dispose();
  rmSync(imageDir, { recursive: true, force: true });
});

let seq = 0;
function orm(
  control: string,
  placer: string,
  opts: { patientId?: string; controlId?: string; extraPid?: string } = {},
) {
  const controlId = opts.controlId ?? `MSG${Date.now()}${++seq}`;
  const patientId = opts.patientId ?? `PAT-${placer}`;
  return {
    controlId,
    text: [
      `MSH|^~\\&|OPENVPMS|CLINIC|LIGHTBOX|RAD|20261122090000||ORM^O01^ORM_O01|${controlId}|P|2.5.1|||AL|NE||UNICODE UTF-8`,
      `PID|1||${patientId}^^^OPENVPMS^PI||Smith^Max||20190401|MN|||||||||||||||||||||||||||448771007^Canis lupus familiaris^SCT|Labrador Retriever${opts.extraPid ?? ''}`,
      'NK1|1|Smith^Anna|OWN',
      `ORC|${control}|${placer}|||||^^^20261122090000^^R||20261122085500|||V12^Doe^Jane`,
      `OBR|1|${placer}||XR-THORAX^Thorax 2 views^OPENVPMS||||||||||||||||||||DX`,
    ].join('\r'),
  };
}

const worklistQuery = (patientId: string) =>
  dumpToDicom(
    worklistQueryDump(
      {
        '(0008,0050) SH': '',
        '(0010,0010) PN': '',
        '(0010,0020) LO': patientId,
        '(0020,000d) UI': '',
        '(0040,1001) SH': '',
      },
      { '(0040,0009) SH': '', '(0040,0001) AE': '' },
    ),
  );

async function worklistFor(patientId: string): Promise<DumpItem[]> {
  return worklistItems(stack.dicomPort, await worklistQuery(patientId));
}

const ordersOf = (patientId: string) => ordersOfPatient(stack, patientId);

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const msa = (ack: string) => segment(ack, 'MSA');
const err = (ack: string) => segment(ack, 'ERR');

/** The ORM^O01 status messages the receiver got for a placer number, as ORC-5 values in arrival order. */
const statusesFor = (placer: string) =>
  receiver.received
    .filter((m) => m.type.startsWith('ORM') && segment(m.text, 'ORC').field(2) === placer)
    .map((m) => segment(m.text, 'ORC').field(5));

/** Sends a new order (ORM^O01 NW) over MLLP, expects AA, and waits until the API lists the order. */
async function placeOrder(placer: string, patientId: string, port = hl7Port): Promise<OrderItem> {
  const m = orm('NW', placer, { patientId });
  expect(msa((await mllpSend(port, [m.text]))[0]!).field(1)).toBe('AA');
  const [order] = await waitUntil('order', async () => {
    const o = await ordersOf(patientId);
    return o.length === 1 ? o : null;
  });
  return order!;
}

describe('orders in', () => {
  it('takes an ORM^O01 NW from mllp_send with AA, and the order is in the worklist', async () => {
    const m = orm('NW', 'INV100-1', { patientId: 'PAT-NW-1' });
    const [ack] = await mllpSend(hl7Port, [m.text]);
    expect(msa(ack!).field(1)).toBe('AA');
    expect(msa(ack!).field(2)).toBe(m.controlId);
    const items = await waitUntil(
      'worklist item',
      async () => {
        const r = await worklistFor('PAT-NW-1');
        return r.length === 1 ? r : null;
      },
      10_000,
    );
    expect(items[0]!.PatientName).toBe('Smith^Max');
    const [order] = await ordersOf('PAT-NW-1');
    expect(order).toMatchObject({ pimsOrderId: 'INV100-1', status: 'scheduled' });
  });

  it('answers a repeated control id as before and never makes a second order', async () => {
    const m = orm('NW', 'INV101-1', { patientId: 'PAT-REPEAT' });
    const acks = await mllpSend(hl7Port, [m.text, m.text, m.text]);
    expect(acks.map((a) => msa(a).field(1))).toEqual(['AA', 'AA', 'AA']);
    await waitUntil('order', async () => (await ordersOf('PAT-REPEAT')).length === 1, 10_000);
    // The same placer number under a new control id is still the same order.
    const again = orm('NW', 'INV101-1', { patientId: 'PAT-REPEAT' });
    expect(msa((await mllpSend(hl7Port, [again.text]))[0]!).field(1)).toBe('AA');
    await new Promise((r) => setTimeout(r, 500));
    expect(await ordersOf('PAT-REPEAT')).toHaveLength(1);
  });

  it('removes the worklist item within a second of a cancel (ORC-1 CA) before acquisition', async () => {
    const nw = orm('NW', 'INV102-1', { patientId: 'PAT-CANCEL' });
    expect(msa((await mllpSend(hl7Port, [nw.text]))[0]!).field(1)).toBe('AA');
    await waitUntil('item', async () => (await worklistFor('PAT-CANCEL')).length === 1, 10_000);
    const ca = orm('CA', 'INV102-1', { patientId: 'PAT-CANCEL' });
    const [ack] = await mllpSend(hl7Port, [ca.text]);
    const answeredAt = Date.now();
    expect(msa(ack!).field(1)).toBe('AA');
    await waitUntil('item gone', async () => (await worklistFor('PAT-CANCEL')).length === 0, 1_000, 20);
    console.log(`CA acknowledged → worklist item gone: ${Date.now() - answeredAt} ms`);
    const [order] = await ordersOf('PAT-CANCEL');
    expect(order!.status).toBe('cancelled');
  });

  it('reads an 8859/1 message in its own character set and answers in it', async () => {
    const m = orm('NW', 'INV103-1', { patientId: 'PAT-LATIN' });
    const text = m.text
      .replace('UNICODE UTF-8', '8859/1')
      .replace('Smith^Max', 'Müller^Bär')
      .replace('Smith^Anna', 'Müller^Anna');
    const [ack] = await mllpSend(hl7Port, [Buffer.from(text, 'latin1')]);
    expect(msa(ack!).field(1)).toBe('AA');
    const items = await waitUntil('item', async () => {
      const r = await worklistFor('PAT-LATIN');
      return r.length === 1 ? r : null;
    });
    expect(items[0]!.PatientName).toBe('Müller^Bär');
  });
});

describe('status and results out', () => {
  it('sends ORM^O01 SC with ORC-5 IP then CM after the MPPS, acknowledged by the receiver', async () => {
    const order = await placeOrder('INV200-1', 'PAT-STATUS');
    expect((await startAndComplete(stack.dicomPort, order)).map((a) => a.status)).toEqual([0, 0]);
    await waitUntil('IP and CM', () => Promise.resolve(statusesFor('INV200-1').length >= 2), 10_000);
    expect(statusesFor('INV200-1')).toEqual(['IP', 'CM']);
    const cm = receiver.received.find(
      (r) => segment(r.text, 'ORC').field(5) === 'CM' && segment(r.text, 'ORC').field(2) === 'INV200-1',
    )!;
    expect(segment(cm.text, 'ORC').field(1)).toBe('SC');
    expect(segment(cm.text, 'ORC').field(3)).toBe(order.accessionNumber);
    expect(segment(cm.text, 'MSH').field(9)).toBe('ORM^O01^ORM_O01');
  });

  it('delivers everything, once and in order, after the receiver was down for a while', async () => {
    await receiver.stop();
    const placers = ['INV300-1', 'INV300-2', 'INV300-3'];
    for (const p of placers) {
      const order = await placeOrder(p, `PAT-${p}`);
      expect((await startAndComplete(stack.dicomPort, order)).map((a) => a.status)).toEqual([0, 0]);
    }
    await new Promise((r) => setTimeout(r, 3_000));
    const res = await stack.api('GET', '/v1/connectors');
    const [connector] = (
      (await res.json()) as { items: { connectorId: string; outbox: { pending: number } }[] }
    ).items;
    expect(connector!.outbox.pending).toBe(6);
    const detail = (await (await stack.api('GET', `/v1/connectors/${connector!.connectorId}`)).json()) as {
      traffic: { failures: { outcome: string }[] };
    };
    expect(detail.traffic.failures.length).toBeGreaterThan(0);

    receiver = new Hl7Receiver(receiver.port);
    await receiver.start();
    await waitUntil(
      'all six',
      () => Promise.resolve(placers.every((p) => statusesFor(p).length >= 2)),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    for (const p of placers) expect(statusesFor(p)).toEqual(['IP', 'CM']);
    const ids = receiver.received.map((r) => r.controlId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

/** Two DX images of the order's study, sent by DCMTK's storescu as the modality would. */
async function storeImages(order: CreatedOrder, patientId: string): Promise<void> {
  const responses = await storeStudyImages(stack.dicomPort, imageDir, {
    studyInstanceUid: order.studyInstanceUid,
    patientId,
  });
  expect(responses).toEqual(['Success', 'Success']);
}

/** The OBX segments of an ORU^R01 text: value type (OBX-2), identifier code (OBX-3.1), sub-id, value. */
function observations(text: string) {
  const list = [];
  for (let i = 0; segment(text, 'OBX', i).present; i++) {
    const obx = segment(text, 'OBX', i);
    list.push({
      type: obx.field(2),
      id: obx.field(3).split('^')[0]!,
      subId: obx.field(4),
      value: obx.field(5),
    });
  }
  return list;
}

const orusFor = (r: Hl7Receiver, placer: string) =>
  r.received.filter((m) => m.type.startsWith('ORU') && segment(m.text, 'OBR').field(2) === placer);

/** The first ORU^R01 a receiver got for a placer number, once there is one. */
async function firstOru(r: Hl7Receiver, placer: string): Promise<ReceivedHl7> {
  const [oru] = await waitUntil(
    'ORU^R01',
    () => Promise.resolve(orusFor(r, placer).length > 0 ? orusFor(r, placer) : null),
    30_000,
  );
  return oru!;
}

describe('images out as ORU^R01', () => {
  it('sends ORU^R01 with thumbnail, preview and panel links once the images are stored', async () => {
    const order = await placeOrder('INV500-1', 'PAT-ORU');
    await storeImages(order, 'PAT-ORU');
    const oru = await firstOru(receiver, 'INV500-1');
    expect(segment(oru.text, 'MSH').field(9)).toBe('ORU^R01^ORU_R01');
    expect(segment(oru.text, 'PID').field(3)).toBe('PAT-ORU');
    expect(segment(oru.text, 'OBR').field(3)).toBe(order.accessionNumber);
    expect(segment(oru.text, 'OBR').field(25)).toBe('F');
    const obx = observations(oru.text);
    // Links only: this connector's settings do not ask for embedded thumbnails.
    expect(obx.filter((o) => o.type === 'ED')).toHaveLength(0);
    const thumbs = obx.filter((o) => o.id === 'THUMB');
    const previews = obx.filter((o) => o.id === 'PREVIEW');
    expect(thumbs).toHaveLength(2);
    expect(previews).toHaveLength(2);
    expect(new Set(thumbs.map((t) => t.subId)).size).toBe(2);
    for (const link of [...thumbs, ...previews]) {
      const url = link.value.split('^')[0]!;
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
    }
    const panel = obx.find((o) => o.id === 'PANEL')!;
    const panelUrl = new URL(panel.value.split('^')[0]!);
    expect(panelUrl.pathname).toBe('/embed/patients/PAT-ORU/imaging');
    expect((await fetch(panelUrl)).status).toBe(200);
    // One study, one result: no second ORU for the same images.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(orusFor(receiver, 'INV500-1')).toHaveLength(1);
  });

  it('embeds the thumbnails as ED when the connector is set to', async () => {
    const listenPort = await freePort();
    const embedded = await new Hl7Receiver(await freePort()).start();
    try {
      const res = await stack.api('POST', '/v1/connectors', {
        kind: 'hl7',
        name: 'embedding results',
        settings: {
          listen: { host: '127.0.0.1', port: listenPort },
          outbound: { host: '127.0.0.1', port: embedded.port },
          pimsSiteId: 'embed',
          defaultModality: 'DX',
          embedThumbnails: true,
        },
      });
      expect(res.status).toBe(201);
      await waitUntil('listening', () => canConnect(listenPort), 10_000);
      const order = await placeOrder('INV501-1', 'PAT-ED', listenPort);
      await storeImages(order, 'PAT-ED');
      const oru = await firstOru(embedded, 'INV501-1');
      const eds = observations(oru.text).filter((o) => o.type === 'ED');
      expect(eds).toHaveLength(2);
      for (const ed of eds) {
        const [, type, subtype, encoding, data] = ed.value.split('^');
        expect([type, subtype, encoding]).toEqual(['IM', 'JPEG', 'Base64']);
        const meta = await sharp(Buffer.from(data!, 'base64')).metadata();
        expect(meta.format).toBe('jpeg');
        expect(meta.width).toBe(256);
      }
    } finally {
      await embedded.stop();
    }
  });
});

describe('bad input', () => {
  it('answers AE naming the segment and field, and creates nothing', async () => {
    const badDate = orm('NW', 'INV400-1', { patientId: 'PAT-BAD' });
    const badControl = orm('ZZ', 'INV400-2', { patientId: 'PAT-BAD' });
    const noSpecies = orm('NW', 'INV400-3', { patientId: 'PAT-BAD' });
    const acks = await mllpSend(hl7Port, [
      badDate.text.replace('|20190401|', '|20191341|'),
      badControl.text,
      noSpecies.text.replace('448771007^Canis lupus familiaris^SCT|Labrador Retriever', ''),
    ]);
    expect(acks.map((a) => msa(a).field(1))).toEqual(['AE', 'AE', 'AE']);
    expect(err(acks[0]!).field(2)).toBe('PID^1^7^1^');
    expect(err(acks[0]!).field(3)).toBe('102^Data type error^HL70357');
    expect(err(acks[1]!).field(2)).toMatch(/^ORC\^1\^1/);
    expect(err(acks[2]!).field(2)).toMatch(/^PID\^1\^35/);
    expect(err(acks[2]!).field(3)).toMatch(/^101\^/);
    expect(await ordersOf('PAT-BAD')).toHaveLength(0);
  });

  it('answers AR to what is not an order message, or has wrong encoding characters', async () => {
    const acks = await mllpSend(hl7Port, [
      'PID|1||123',
      orm('NW', 'INV401-2').text.replace('MSH|^~\\&|', 'MSH|^^\\&|'),
      orm('NW', 'INV401-3').text.replace('ORM^O01^ORM_O01', 'ADT^A01^ADT_A01'),
    ]);
    expect(acks.map((a) => msa(a).field(1))).toEqual(['AR', 'AR', 'AR']);
    expect(err(acks[1]!).field(2)).toMatch(/^MSH\^1\^2/);
    expect(err(acks[2]!).field(3)).toMatch(/^200\^/);
  });

  it('answers AR to a 10 MB message by its control id, without holding it', async () => {
    // mllp_send reads its input 4 KB at a time into a growing string (minutes for 10 MB): a plain socket here.
    const big =
      orm('NW', 'INV401-1', { controlId: 'BIG1' }).text + '\rNTE|1||' + 'x'.repeat(10 * 1024 * 1024);
    const socket = net.connect(hl7Port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1').on('data', (c: string) => (answer += c));
    socket.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(big), Buffer.from([0x1c, 0x0d])]));
    await waitUntil('answer', () => Promise.resolve(answer.endsWith('\x1c\r')), 30_000, 20);
    socket.destroy();
    expect(msa(answer).field(1)).toBe('AR');
    expect(msa(answer).field(2)).toBe('BIG1');
    expect(msa(answer).field(3)).toMatch(/larger than the limit/);
  });

  it('closes a connection that sends garbage or stalls mid-frame, and keeps listening', async () => {
    const garbage = net.connect(hl7Port, '127.0.0.1');
    garbage.write('GET / HTTP/1.1\r\n\r\n');
    await new Promise((resolve) => garbage.once('close', resolve));
    const m = orm('NW', 'INV402-1', { patientId: 'PAT-AFTER' });
    expect(msa((await mllpSend(hl7Port, [m.text]))[0]!).field(1)).toBe('AA');

    // A second connector, made through the API, with a short patience for a stalled frame.
    const port = await freePort();
    const res = await stack.api('POST', '/v1/connectors', {
      kind: 'hl7',
      name: 'stall check',
      settings: {
        listen: { host: '127.0.0.1', port },
        pimsSiteId: 'stall',
        defaultModality: 'DX',
        frameTimeoutMs: 500,
      },
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { connectorId: string; settings: { frameTimeoutMs: number } };
    expect(created.settings.frameTimeoutMs).toBe(500);
    await waitUntil('listening', () => canConnect(port), 10_000);
    const stalled = net.connect(port, '127.0.0.1');
    stalled.write(`\x0b${orm('NW', 'INV402-2').text.slice(0, 40)}`);
    const started = Date.now();
    await new Promise((resolve) => stalled.once('close', resolve));
    expect(Date.now() - started).toBeLessThan(5_000);
    const again = orm('NW', 'INV402-3', { patientId: 'PAT-STALL' });
    expect(msa((await mllpSend(port, [again.text]))[0]!).field(1)).toBe('AA');

    const disabled = await stack.api('POST', `/v1/connectors/${created.connectorId}/disable`);
    expect(((await disabled.json()) as { status: string }).status).toBe('disabled');
    await waitUntil('closed', async () => !(await canConnect(port)), 10_000);
    const traffic = (await (
      await stack.api('GET', `/v1/connectors/${created.connectorId}/traffic`)
    ).json()) as {
      items: { label: string; outcome: string }[];
    };
    expect(traffic.items.map((t) => `${t.label} ${t.outcome}`)).toContain('incomplete message rejected');
  });
});
