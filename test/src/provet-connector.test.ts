import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpToDicom } from './support/dcmtk.js';
import { patientNames, worklistItems } from './support/worklist-query.js';
import { connectorStack, ordersOfPatient, waitConnectorRunning } from './support/connector-stack.js';
import { waitUntil } from './support/managed-process.js';
import { storeStudyImages } from './support/modality-images.js';
import { startAndComplete } from './support/mpps-sender.js';
import { ProvetStandIn } from './support/provet-stand-in.js';

/**
 * Provet Cloud end to end: the plugin and agent run as real processes; Provet Cloud itself cannot
 * be reached from here, so a local stand-in plays it — its webhook calls and its REST API — as its
 * published developer pages describe (support/provet-stand-in.ts names the page behind each
 * behaviour). The images come from DCMTK's storescu, the worklist is read with DCMTK's findscu, the
 * MPPS comes from dcmjs-dimse.
 */
const apiToken = 'provet-rest-token-0123456789';
const webhookToken = 'whk_0123456789abcdefghijklmnop';
const provet = new ProvetStandIn(apiToken, 'org-4711');
const stack = connectorStack();
const imageDir = mkdtempSync(path.join(tmpdir(), 'lightbox-provet-'));
let connectorId = '';
let webhookUrl = '';

async function createConnector(name: string, token: string): Promise<string> {
  const res = await stack.api('POST', '/v1/connectors', {
    kind: 'provet',
    name,
    settings: {
      apiBaseUrl: provet.url,
      provetId: 'org-4711',
      requestTimeoutMs: 1_000,
      retryMinMs: 200,
      retryMaxMs: 2_000,
    },
    secrets: { apiToken: token, webhookToken },
  });
  expect(res.status).toBe(201);
  const text = await res.text();
  expect(text).not.toContain(token);
  expect(text).not.toContain(webhookToken);
  return (JSON.parse(text) as { connectorId: string }).connectorId;
}

beforeAll(async () => {
  await provet.start();
  await stack.startAll();
  connectorId = await createConnector('Provet Cloud', apiToken);
  webhookUrl = `${stack.pluginUrl}/connectors/${connectorId}/webhook?token=${webhookToken}`;
  await waitConnectorRunning(stack, connectorId);
});
afterAll(async () => {
  await provet.stop();
  await stack.dispose();
  rmSync(imageDir, { recursive: true, force: true });
});

/** The orders of a worklist entry's patient (the stand-in's patient ids are the entry id and `1`). */
const ordersFor = (worklistId: string) => ordersOfPatient(stack, `${worklistId}1`);

async function worklistNames(worklistId: string): Promise<string[]> {
  const query = await dumpToDicom(`(0008,0050) SH []
(0010,0010) PN []
(0010,0020) LO [${worklistId}1]`);
  return patientNames(await worklistItems(stack.dicomPort, query));
}

const statusOf = (answers: { status: number; body: string }[]) => answers.map((a) => a.status);

describe('worklist webhooks in', () => {
  it('creates the order from what Provet says, stored before the 200, and a replay changes nothing', async () => {
    provet.addReferral('501');
    const answers = await provet.sendWebhook(webhookUrl, '501');
    expect(statusOf(answers)).toEqual([200]);
    const [order] = await ordersFor('501');
    expect(order).toMatchObject({ pimsOrderId: '501', status: 'scheduled' });
    await waitUntil('worklist item', async () => (await worklistNames('501')).length === 1, 5_000);
    expect(await worklistNames('501')).toEqual(['Virtanen^Bella']);
    const view = (await (await stack.api('GET', `/v1/orders/${order!.orderId}`)).json()) as Record<
      string,
      unknown
    >;
    expect(view).toMatchObject({
      procedure: { modality: 'DX', description: 'X-ray: Thorax' },
      reason: 'Coughing for two weeks',
      patient: { sex: 'female', species: 'Feline', birthDate: '2020-02-29' },
      requestingVet: { name: 'Dr Aino Laine' },
    });

    // The same webhook again (replayed, or Provet resending): read again, nothing new.
    const replay = await provet.sendWebhook(webhookUrl, '501');
    expect(statusOf(replay)).toEqual([200]);
    expect((JSON.parse(replay[0]!.body) as { status: string }).status).toBe('unchanged');
    expect(await ordersFor('501')).toHaveLength(1);
  });

  it('corrects the order on update and removes the worklist item within a second of delete', async () => {
    provet.addReferral('502');
    expect(statusOf(await provet.sendWebhook(webhookUrl, '502'))).toEqual([200]);
    provet.patientOf('502').name = 'Bellatrix';
    const updated = await provet.sendWebhook(webhookUrl, '502');
    expect((JSON.parse(updated[0]!.body) as { status: string }).status).toBe('corrected');
    await waitUntil('corrected', async () => (await worklistNames('502'))[0] === 'Virtanen^Bellatrix', 5_000);

    provet.worklists.delete('502');
    expect(statusOf(await provet.sendWebhook(webhookUrl, '502'))).toEqual([200]);
    const answeredAt = Date.now();
    await waitUntil('item gone', async () => (await worklistNames('502')).length === 0, 1_000, 20);
    console.log(`delete answered → worklist item gone: ${Date.now() - answeredAt} ms`);
    expect((await ordersFor('502'))[0]!.status).toBe('cancelled');
  });
});

describe('bad input', () => {
  it('refuses forged webhooks with a problem, without reading Provet or storing anything', async () => {
    provet.addReferral('503');
    const before = provet.log.length;
    const noToken = await fetch(`${stack.pluginUrl}/connectors/${connectorId}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'diagnosticimagingworklist_id=503',
    });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const otherOrg = await provet.sendWebhook(webhookUrl, '503', { provetId: 'org-0000', maxAttempts: 1 });
    expect(statusOf(otherOrg)).toEqual([401]);
    const noId = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'consultation_id=12',
    });
    expect(noId.status).toBe(422);
    expect(((await noId.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe(
      'diagnosticimagingworklist_id',
    );
    expect(provet.log.length).toBe(before);
    expect(await ordersFor('503')).toHaveLength(0);
    const traffic = (await (
      await stack.api('GET', `/v1/connectors/${connectorId}/traffic?outcome=rejected`)
    ).json()) as {
      items: { detail: string }[];
    };
    expect(traffic.items.map((t) => t.detail).join(' ')).toMatch(/wrong or missing token/);
  });

  it('answers 502 while Provet fails or stalls, and its resend makes exactly one order', async () => {
    provet.addReferral('504');
    provet.failNext(2, 500);
    const answers = await provet.sendWebhook(webhookUrl, '504', { retryDelayMs: 100 });
    expect(statusOf(answers)).toEqual([502, 502, 200]);
    const problem = JSON.parse(answers[0]!.body) as { title: string; detail: string };
    expect(problem.detail).toMatch(/Provet Cloud could not be read: HTTP 500/);
    expect(await ordersFor('504')).toHaveLength(1);

    provet.addReferral('505');
    provet.stallNext(1);
    const stalled = await provet.sendWebhook(webhookUrl, '505', { retryDelayMs: 100 });
    expect(statusOf(stalled)).toEqual([502, 200]);
    expect((JSON.parse(stalled[0]!.body) as { detail: string }).detail).toMatch(/no answer within 1000 ms/);
    expect(await ordersFor('505')).toHaveLength(1);
  });

  it('refuses an entry whose modality has no DICOM code, naming it', async () => {
    provet.addReferral('506', { modality: 'Thermography' });
    const [answer] = await provet.sendWebhook(webhookUrl, '506', { maxAttempts: 1 });
    expect(answer!.status).toBe(422);
    expect(JSON.parse(answer!.body)).toMatchObject({ errors: [{ field: 'modality' }] });
    expect(await ordersFor('506')).toHaveLength(0);
  });

  it('shows a wrong REST token in the connection test', async () => {
    const wrong = await createConnector('wrong token', 'not-the-token');
    const test = (await (await stack.api('POST', `/v1/connectors/${wrong}/test`)).json()) as {
      ok: boolean;
      detail: string;
    };
    expect(test.ok).toBe(false);
    expect(test.detail).toMatch(/refused \(HTTP 401\)/);
    const good = (await (await stack.api('POST', `/v1/connectors/${connectorId}/test`)).json()) as {
      ok: boolean;
    };
    expect(good.ok).toBe(true);
    await stack.api('POST', `/v1/connectors/${wrong}/disable`);
  });
});

describe('status and images back to Provet', () => {
  it('writes the status, attaches the previews once each despite failures, and links the viewer', async () => {
    provet.addReferral('601');
    expect(statusOf(await provet.sendWebhook(webhookUrl, '601'))).toEqual([200]);
    const [order] = await ordersFor('601');
    // Provet fails once, then loses the answer to the first attachment it stores.
    provet.failNext(1, 503);
    provet.loseNextAnswers(1);
    const responses = await storeStudyImages(stack.dicomPort, imageDir, {
      studyInstanceUid: order!.studyInstanceUid,
      patientId: '6011',
    });
    expect(responses).toEqual(['Success', 'Success']);
    const withLink = () => provet.patches.find((p) => p.worklistId === '601' && p.body.result_url);
    await waitUntil('viewer link', () => Promise.resolve(withLink()), 30_000);
    const consultation = provet.consultationOf('601');
    const attached = provet.attachments.filter((a) => a.consultation === consultation);
    expect(attached).toHaveLength(2);
    expect(new Set(attached.map((a) => a.name)).size).toBe(2);
    // Both failures happened: a 503, and a stored attachment whose answer was lost (then found, not resent).
    expect(provet.log.some((l) => l.status === 503)).toBe(true);
    expect(
      provet.log.some((l) => l.method === 'POST' && l.path.endsWith('/attachment/') && l.status === 0),
    ).toBe(true);
    for (const a of attached) expect((await sharp(a.bytes).metadata()).format).toBe('jpeg');
    expect(provet.patches.filter((p) => p.worklistId === '601').map((p) => p.body.status ?? 'link')).toEqual([
      'in_progress',
      'link',
    ]);
    const viewer = new URL(String(withLink()!.body.result_url));
    const opened = await fetch(viewer);
    expect(opened.status).toBe(200);
    expect(opened.url).toContain('/embed/patients/6011/imaging');
    // The link is signed: another entry's id in it opens nothing.
    viewer.searchParams.set('worklist_id', '501');
    expect((await fetch(viewer)).status).toBe(401);

    const mpps = await startAndComplete(stack.dicomPort, order!);
    expect(mpps.map((a) => a.status)).toEqual([0, 0]);
    await waitUntil(
      'completed',
      () => Promise.resolve(provet.worklists.get('601')!.status === 'completed'),
      20_000,
    );
  });
});
