import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startInProcessPlugin, type InProcessPlugin } from '../test-support/in-process-plugin.js';

/**
 * What the chart panel and its viewer do with hostile input: script in the strings a modality
 * sent, tokens that are not tokens, a patient nobody knows, media paths that try to climb out of the
 * media folder. A clear refusal or plain text, nothing leaked, nothing written.
 */
let p: InProcessPlugin;
const SCRIPT = '<script>alert(1)</script>';

beforeAll(async () => {
  p = await startInProcessPlugin();
  const reg = await p.api('POST', '/v1/agents', { name: 'dr-pc', stations: [] });
  const { agentId } = (await reg.json()) as { agentId: string };
  const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#888' } })
    .jpeg()
    .toBuffer();
  // The PIMS's order carries script in its procedure; the modality's strings carry some more.
  const order = await p.api('POST', '/v1/orders', {
    pims: { system: 'test', siteId: 'main' },
    pimsOrderId: 'X-1',
    procedure: { code: 'DX', description: SCRIPT, modality: 'DX' },
    patient: { id: 'P-XSS', name: `Rex${SCRIPT}`, species: 'Canine' },
    client: { lastName: '<i>Owner</i>' },
  });
  expect(order.status).toBe(201);
  const { studyInstanceUid: STUDY_UID } = (await order.json()) as { studyInstanceUid: string };
  await p.fromAgent(agentId, {
    kind: 'instance.stored',
    studyInstanceUid: STUDY_UID,
    seriesInstanceUid: `${STUDY_UID}.1`,
    sopInstanceUid: `${STUDY_UID}.1.1`,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
    sha256: 'ab'.repeat(32),
    callingAeTitle: 'DR1',
    receivedAt: new Date().toISOString(),
    attributes: {
      patientId: 'P-XSS',
      patientName: `Rex${SCRIPT}`,
      modality: 'DX',
      studyDate: '20261201',
      studyDescription: SCRIPT,
      seriesDescription: '<img src=x onerror=alert(2)>',
      bodyPartExamined: '<b>CHEST</b>',
      instanceNumber: 1,
    },
    media: { thumbnail: jpeg.toString('base64'), preview: jpeg.toString('base64'), placeholderReason: null },
  });
});
afterAll(() => p.close());

async function embedUrl(pimsPatientId: string): Promise<URL> {
  const res = await p.api('POST', '/v1/embed-links', { pimsPatientId });
  expect(res.status).toBe(201);
  return new URL(((await res.json()) as { url: string }).url);
}

const get = (url: string) => p.plugin.app.request(url);

describe('the chart panel with hostile input', () => {
  it('shows the strings a modality sent as text, in the panel and in the viewer', async () => {
    const url = await embedUrl('P-XSS');
    const panel = await get(url.pathname + url.search);
    expect(panel.status).toBe(200);
    const html = await panel.text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('1 image');
    for (const raw of [SCRIPT, '<b>CHEST', '<img src=x', '<i>Owner']) expect(html).not.toContain(raw);
    const viewerPath = /href="(\/embed\/patients\/P-XSS\/imaging\/studies\/[^"]+)"/.exec(html)?.[1];
    expect(viewerPath).toBeDefined();
    const viewer = await get(viewerPath!.replaceAll('&amp;', '&'));
    expect(viewer.status).toBe(200);
    const viewerHtml = await viewer.text();
    expect(viewerHtml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    for (const raw of [SCRIPT, '<b>CHEST', '<img src=x', '<i>Owner']) expect(viewerHtml).not.toContain(raw);
    expect(viewer.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
  });

  it('answers a patient nobody knows with an empty panel, not an error', async () => {
    const url = await embedUrl('P-NOBODY');
    const res = await get(url.pathname + url.search);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('No imaging for this patient yet.');
  });

  it.each([
    ['no token', ''],
    ['an empty token', '?token='],
    ['a word', '?token=hello'],
    ['three parts', '?token=a.b.c'],
    ['not base64', '?token=%00%01.%FF'],
    ['an oversized token', `?token=${'A'.repeat(20_000)}.${'B'.repeat(43)}`],
    ['two tokens', '?token=a.b&token=c.d'],
  ])('refuses %s with the plain 403 page', async (_name, query) => {
    const res = await get(`/embed/patients/P-XSS/imaging${query}`);
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).not.toContain('P-XSS');
    expect(body).not.toContain('Rex');
    expect(body).not.toContain('alert');
  });

  it('never serves a file from outside the media folder, whatever the path', async () => {
    const before = readdirSync(p.dir, { recursive: true }).length;
    const attempts = [
      '/media/..%2F..%2Fplugin.db',
      '/media/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/media/default/9999999999/sig/..%2F..%2Fplugin.db',
      '/media/default/9999999999/sig/%2e%2e%2fsecret.jpg',
      '/media/..%2Fdefault/9999999999/sig/' + 'ab'.repeat(32) + '.jpg',
      '/media/default/9999999999/..%2F..%2F/' + 'ab'.repeat(32) + '.jpg',
      '/media/default/9999999999/sig/' + 'ab'.repeat(32) + '.jpg%00.png',
      '/media/' + 'ab'.repeat(32) + '.jpg',
    ];
    for (const attempt of attempts) {
      const res = await get(attempt);
      expect([403, 404], attempt).toContain(res.status);
      expect(res.headers.get('content-type'), attempt).toMatch(/problem\+json|text\/plain|text\/html/);
      const body = await res.text();
      expect(body, attempt).not.toMatch(/SQLite format|root:/);
    }
    expect(readdirSync(p.dir, { recursive: true }).length).toBe(before);
  });
});
