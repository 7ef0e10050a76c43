import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpToDicom } from './support/dcmtk.js';
import { patientNames, worklistItems, worklistQueryDump } from './support/worklist-query.js';
import { EzyvetStandIn } from './support/ezyvet-stand-in.js';
import { connectorStack, ordersOfPatient, waitConnectorRunning } from './support/connector-stack.js';
import { waitUntil } from './support/managed-process.js';
import { storeStudyImages } from './support/modality-images.js';
import { startAndComplete } from './support/mpps-sender.js';

/**
 * ezyVet's Standard PACS Interface end to end: the plugin and agent run as real processes; ezyVet
 * itself cannot be reached from here, so the test plays ezyVet's calls to the partner endpoints
 * (as its published interface describes them) and a local stand-in plays ezyVet's API
 * (support/ezyvet-stand-in.ts, which names the published page behind each behaviour). The images
 * come from DCMTK's storescu, the worklist is read with DCMTK's findscu.
 */
const credentials = {
  partnerId: 'lightbox-partner',
  clientId: 'site-client',
  clientSecret: 'site-secret-0123',
};
const partner = { clientId: 'ezyvet-at-clinic', clientSecret: 'partner-secret-0123456789' };
const ezyvet = new EzyvetStandIn(credentials);
const stack = connectorStack();
const imageDir = mkdtempSync(path.join(tmpdir(), 'lightbox-ezyvet-'));
let connectorId = '';

beforeAll(async () => {
  await ezyvet.start();
  await stack.startAll();
  const res = await stack.api('POST', '/v1/connectors', {
    kind: 'ezyvet',
    name: 'ezyVet',
    settings: {
      apiBaseUrl: ezyvet.url,
      partnerId: credentials.partnerId,
      clientId: credentials.clientId,
      partnerClientId: partner.clientId,
      requestTimeoutMs: 1_000,
      retryMinMs: 200,
      retryMaxMs: 2_000,
    },
    secrets: { clientSecret: credentials.clientSecret, partnerClientSecret: partner.clientSecret },
  });
  expect(res.status).toBe(201);
  const text = await res.text();
  // Secrets are write-only: the answer names which are set, never their values.
  expect(text).not.toContain(credentials.clientSecret);
  expect(text).not.toContain(partner.clientSecret);
  connectorId = (JSON.parse(text) as { connectorId: string }).connectorId;
  await waitConnectorRunning(stack, connectorId);
});
afterAll(async () => {
  await ezyvet.stop();
  await stack.dispose();
  rmSync(imageDir, { recursive: true, force: true });
});

/** A call ezyVet makes to the plugin's partner endpoints. */
function call(p: string, init: { method?: string; token?: string; json?: unknown } = {}) {
  return fetch(`${stack.pluginUrl}/connectors/${connectorId}${p}`, {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    redirect: 'manual',
    headers: {
      ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
}

async function token(): Promise<string> {
  const res = await call('/accesstoken', {
    json: {
      client_id: partner.clientId,
      client_secret: partner.clientSecret,
      grant_type: 'client_credentials',
    },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string; token_type: string };
  expect(body.token_type).toBe('Bearer');
  return body.access_token;
}

function request(
  id: string,
  action: 'create' | 'update' | 'disable',
  overrides: Record<string, unknown> = {},
) {
  return {
    request_id: id,
    action,
    modality: 'DX',
    code: 'XR-THORAX',
    name: 'Thorax 2 views',
    consult_id: 7781,
    vet: { id: 'V12', name: 'Dr Jane Doe' },
    animal: {
      id: `A-${id}`,
      name: 'Max',
      species: 'Canine',
      species_code: '448771007',
      breed: 'Labrador Retriever',
      sex: 'male',
      desexed: true,
      date_of_birth: '2019-04-01',
    },
    contact: { id: 'C-1', first_name: 'Anna', last_name: 'Smith' },
    ...overrides,
  };
}

const ordersOf = (patientId: string) => ordersOfPatient(stack, patientId);

async function worklistNames(patientId: string): Promise<string[]> {
  const query = await dumpToDicom(
    worklistQueryDump(
      { '(0008,0050) SH': '', '(0010,0010) PN': '', '(0010,0020) LO': patientId },
      { '(0040,0007) LO': '' },
    ),
  );
  return patientNames(await worklistItems(stack.dicomPort, query));
}

describe('partner endpoints ezyVet calls', () => {
  it('issues an access token for the integration client credentials only', async () => {
    const wrong = await call('/accesstoken', {
      json: {
        client_id: partner.clientId,
        client_secret: 'not-the-secret',
        grant_type: 'client_credentials',
      },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const incomplete = await call('/accesstoken', { json: { client_id: partner.clientId } });
    expect(incomplete.status).toBe(422);
    const fields = ((await incomplete.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['client_secret', 'grant_type']));
    expect(await token()).toMatch(/\S{20,}/);
  });

  it('lists modalities and species with breeds to a caller with a current token, and nobody else', async () => {
    expect((await call('/modalities')).status).toBe(401);
    const forged = (await token()).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await call('/modalities', { token: forged })).status).toBe(401);
    // A token signed under the integration secret whose lifetime is over.
    const past = Math.floor(Date.now() / 1000) - 5;
    const mac = createHmac('sha256', partner.clientSecret)
      .update(`${connectorId}.${past}`)
      .digest('base64url');
    const expired = await call('/modalities', { token: `ezv1.${past}.${mac}` });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { detail: string }).detail).toMatch(/expired/);

    const t = await token();
    const modalities = (await (await call('/modalities', { token: t })).json()) as {
      modalities: { code: string; name: string }[];
    };
    expect(modalities.modalities.map((m) => m.code)).toEqual(expect.arrayContaining(['DX', 'US', 'CT']));
    const species = (await (await call('/species', { token: t })).json()) as {
      species: { name: string; code: string; breeds: { name: string }[] }[];
    };
    const dog = species.species.find((s) => s.code === '448771007')!;
    expect(dog.breeds.map((b) => b.name)).toContain('Labrador Retriever');
  });

  it('answers 200 to a diagnostic request only once its order is stored, and never makes a second', async () => {
    const t = await token();
    const res = await call('/diagnosticrequest', { token: t, json: request('US1324-DR158', 'create') });
    expect(res.status).toBe(200);
    // Stored before the answer: the order and its worklist item are there at once.
    const [order] = await ordersOf('A-US1324-DR158');
    expect(order).toMatchObject({ pimsOrderId: 'US1324-DR158', status: 'scheduled' });
    expect(((await res.json()) as { accession_number: string }).accession_number).toBe(
      order!.accessionNumber,
    );
    await waitUntil('worklist item', async () => (await worklistNames('A-US1324-DR158')).length === 1, 5_000);
    expect(await worklistNames('A-US1324-DR158')).toEqual(['Smith^Max']);

    // ezyVet sends it again (its answer was lost, say): the same order.
    const again = await call('/diagnosticrequest', { token: t, json: request('US1324-DR158', 'create') });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { status: string }).status).toBe('unchanged');
    expect(await ordersOf('A-US1324-DR158')).toHaveLength(1);
  });

  it('corrects the order on update and removes the worklist item within a second of disable', async () => {
    const t = await token();
    expect((await call('/diagnosticrequest', { token: t, json: request('DR-200', 'create') })).status).toBe(
      200,
    );
    const updated = await call('/diagnosticrequest', {
      token: t,
      json: request('DR-200', 'update', { animal: { ...request('DR-200', 'update').animal, name: 'Maxi' } }),
    });
    expect(updated.status).toBe(200);
    expect(((await updated.json()) as { status: string }).status).toBe('corrected');
    await waitUntil(
      'corrected item',
      async () => (await worklistNames('A-DR-200'))[0] === 'Smith^Maxi',
      5_000,
    );

    const disabled = await call('/diagnosticrequest', { token: t, json: request('DR-200', 'disable') });
    const answeredAt = Date.now();
    expect(disabled.status).toBe(200);
    await waitUntil('item gone', async () => (await worklistNames('A-DR-200')).length === 0, 1_000, 20);
    console.log(`disable answered → worklist item gone: ${Date.now() - answeredAt} ms`);
    expect((await ordersOf('A-DR-200'))[0]!.status).toBe('cancelled');
  });

  it('refuses an incomplete request with a problem naming the fields, and stores nothing', async () => {
    const t = await token();
    const { species: _species, ...animal } = request('DR-300', 'create').animal;
    const res = await call('/diagnosticrequest', {
      token: t,
      json: { ...request('DR-300', 'create', { animal, modality: undefined }) },
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const fields = ((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['animal.species', 'modality']));
    expect(await ordersOf('A-DR-300')).toHaveLength(0);
    const unknownModality = await call('/diagnosticrequest', {
      token: t,
      json: request('DR-301', 'create', { modality: 'PT' }),
    });
    expect(unknownModality.status).toBe(422);
    expect(await ordersOf('A-DR-301')).toHaveLength(0);
  });

  it('redirects the result link to the patient imaging panel', async () => {
    const bad = await call(`/result?diagnostic_request_id=US1324-DR158&client_id=someone-else`);
    expect(bad.status).toBe(401);
    const res = await call(`/result?diagnostic_request_id=US1324-DR158&client_id=${partner.clientId}`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.pathname).toBe('/embed/patients/A-US1324-DR158/imaging');
    expect((await fetch(location)).status).toBe(200);
    expect((await call(`/result?diagnostic_request_id=NOPE&client_id=${partner.clientId}`)).status).toBe(404);
  });
});

const resultOf = (id: string) => ezyvet.results.filter((r) => r.diagnostic_request_id === id);

describe('write-back through the ezyVet API', () => {
  it('attaches the images and the result link, waiting out a 429 as Retry-After asks', async () => {
    const t = await token();
    expect((await call('/diagnosticrequest', { token: t, json: request('DR-500', 'create') })).status).toBe(
      200,
    );
    const [order] = await ordersOf('A-DR-500');
    // ezyVet is over its rate limit for a moment.
    ezyvet.throttleNext(1, 2);
    const responses = await storeStudyImages(stack.dicomPort, imageDir, {
      studyInstanceUid: order!.studyInstanceUid,
      patientId: 'A-DR-500',
    });
    expect(responses).toEqual(['Success', 'Success']);
    await waitUntil('result', () => Promise.resolve(resultOf('DR-500').length === 1), 30_000);
    expect(resultOf('DR-500')[0]).toMatchObject({ animal_id: 'A-DR-500', status: 'images_available' });
    const resultUrl = new URL(resultOf('DR-500')[0]!.result_url);
    expect(resultUrl.pathname).toBe(`/connectors/${connectorId}/result`);
    // The link ezyVet shows opens the panel.
    const opened = await fetch(resultUrl);
    expect(opened.status).toBe(200);
    expect(opened.url).toContain('/embed/patients/A-DR-500/imaging');

    const attached = ezyvet.attachments.filter((a) => a.record_id === 'A-DR-500');
    expect(attached).toHaveLength(2);
    expect(new Set(attached.map((a) => a.name)).size).toBe(2);
    for (const a of attached) {
      expect(a.record_type).toBe('Animal');
      const meta = await sharp(a.bytes).metadata();
      expect(meta.format).toBe('jpeg');
      expect(a.description).toContain(resultUrl.toString());
    }
    const refused = ezyvet.log.findIndex((l) => l.status === 429);
    expect(refused).toBeGreaterThanOrEqual(0);
    // Retry-After: 2 — nothing was sent again before two seconds had passed.
    expect(ezyvet.log[refused + 1]!.at - ezyvet.log[refused]!.at).toBeGreaterThanOrEqual(1_900);
  });

  it('sends the result status on completion, fetching a new token once the old one is refused', async () => {
    const [order] = await ordersOf('A-DR-500');
    ezyvet.expireTokens();
    const tokensBefore = ezyvet.tokenRequests();
    const logBefore = ezyvet.log.length;
    // The modality starts and completes the order: MPPS IN PROGRESS then COMPLETED, from dcmjs-dimse.
    expect((await startAndComplete(stack.dicomPort, order!)).map((a) => a.status)).toEqual([0, 0]);
    await waitUntil('complete', () => Promise.resolve(resultOf('DR-500')[0]?.status === 'complete'), 20_000);
    expect(resultOf('DR-500')).toHaveLength(1);
    const after = ezyvet.log.slice(logBefore).map((l) => `${l.method} ${l.path} ${l.status}`);
    // The held token is refused once; one new token; the request goes again and is taken.
    expect(after[0]).toBe('GET /v1/diagnosticresult 401');
    expect(after[1]).toBe('POST /v1/oauth/access_token 200');
    expect(ezyvet.tokenRequests()).toBe(tokensBefore + 1);
    expect(after.filter((l) => l.endsWith(' 401'))).toHaveLength(1);
  });

  it('retries through a 500, a stalled answer and a lost answer without attaching anything twice', async () => {
    const t = await token();
    expect((await call('/diagnosticrequest', { token: t, json: request('DR-600', 'create') })).status).toBe(
      200,
    );
    const [order] = await ordersOf('A-DR-600');
    const logBefore = ezyvet.log.length;
    ezyvet.failNext(1, 500);
    ezyvet.stallNext(1);
    ezyvet.loseNextAnswers(1);
    expect(
      await storeStudyImages(stack.dicomPort, imageDir, {
        studyInstanceUid: order!.studyInstanceUid,
        patientId: 'A-DR-600',
      }),
    ).toEqual(['Success', 'Success']);
    await waitUntil('result', () => Promise.resolve(resultOf('DR-600').length === 1), 30_000);
    const seen = ezyvet.log.slice(logBefore).map((l) => l.status);
    expect(seen).toContain(500);
    // The stall and the lost answer: requests that got no answer.
    expect(seen.filter((s) => s === 0)).toHaveLength(2);
    const attached = ezyvet.attachments.filter((a) => a.record_id === 'A-DR-600');
    expect(attached).toHaveLength(2);
    expect(new Set(attached.map((a) => a.name)).size).toBe(2);
    const traffic = (await (
      await stack.api('GET', `/v1/connectors/${connectorId}/traffic?outcome=failed`)
    ).json()) as {
      items: { detail: string }[];
    };
    const details = traffic.items.map((i) => i.detail).join('\n');
    expect(details).toMatch(/HTTP 500/);
    expect(details).toMatch(/no answer within 1000 ms/);
  });
});
