import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startInProcessPlugin, type InProcessPlugin } from '../test-support/in-process-plugin.js';

/**
 * The order's status as the vet reads it on each study of the panel, from what the modality said:
 * an acquisition stopped part-way (MPPS DISCONTINUED) keeps the images it has and says so.
 */
let p: InProcessPlugin;
let agentId: string;
let jpeg: string;

beforeAll(async () => {
  // A short quiet time, so the studies stop "arriving" within the test.
  p = await startInProcessPlugin({ LIGHTBOX_STUDY_QUIET_MS: '100' });
  agentId = (
    (await (await p.api('POST', '/v1/agents', { name: 'dr', stations: [] })).json()) as { agentId: string }
  ).agentId;
  jpeg = (
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#444' } })
      .jpeg()
      .toBuffer()
  ).toString('base64');
});
afterAll(() => p.close());

async function order(id: string, description: string): Promise<string> {
  const res = await p.api('POST', '/v1/orders', {
    pims: { system: 'test', siteId: 'main' },
    pimsOrderId: id,
    procedure: { code: 'DX', description, modality: 'DX' },
    patient: { id: 'P-DC', name: 'Milo', species: 'Feline' },
    client: { lastName: 'Kent' },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { studyInstanceUid: string }).studyInstanceUid;
}

async function mpps(
  studyUid: string,
  status: 'IN PROGRESS' | 'COMPLETED' | 'DISCONTINUED',
  event: 'created' | 'updated',
) {
  await p.fromAgent(agentId, {
    kind: 'mpps.changed',
    sopInstanceUid: `${studyUid}.77`,
    event,
    status,
    callingAeTitle: 'DR1',
    receivedAt: new Date().toISOString(),
    modality: 'DX',
    scheduledSteps: [{ studyInstanceUid: studyUid }],
    performedSeries:
      status === 'IN PROGRESS'
        ? []
        : [{ seriesInstanceUid: `${studyUid}.1`, sopInstanceUids: [`${studyUid}.1.1`] }],
    ...(status === 'DISCONTINUED'
      ? {
          discontinuationReason: {
            code: '110513',
            scheme: 'DCM',
            meaning: 'Discontinued for unspecified reason',
          },
        }
      : {}),
    attributes: {},
  });
}

async function stored(studyUid: string) {
  await p.fromAgent(agentId, {
    kind: 'instance.stored',
    studyInstanceUid: studyUid,
    seriesInstanceUid: `${studyUid}.1`,
    sopInstanceUid: `${studyUid}.1.1`,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
    sha256: studyUid
      .replaceAll('.', '')
      .padEnd(64, '0')
      .slice(0, 64)
      .replace(/[^0-9]/g, '0'),
    callingAeTitle: 'DR1',
    receivedAt: new Date().toISOString(),
    attributes: { patientId: 'P-DC', modality: 'DX', studyDate: '20261201', instanceNumber: 1 },
    media: { thumbnail: jpeg, preview: jpeg, placeholderReason: null },
  });
}

describe('statuses on the chart panel', () => {
  it('shows a discontinued acquisition with the images it kept, beside completed and scheduled ones', async () => {
    const stopped = await order('DC-1', 'Pelvis, stopped');
    await mpps(stopped, 'IN PROGRESS', 'created');
    await stored(stopped);
    await mpps(stopped, 'DISCONTINUED', 'updated');
    const done = await order('DC-2', 'Thorax, done');
    await mpps(done, 'IN PROGRESS', 'created');
    await stored(done);
    await mpps(done, 'COMPLETED', 'updated');
    await order('DC-3', 'Elbow, planned');

    const link = (await (await p.api('POST', '/v1/embed-links', { pimsPatientId: 'P-DC' })).json()) as {
      url: string;
    };
    const url = new URL(link.url);
    const html = await (await p.plugin.app.request(url.pathname + url.search)).text();
    const cards = html.split('<article class="study card"').slice(1);
    const card = (title: string) => cards.find((c) => c.includes(title)) ?? '';
    expect(card('Pelvis, stopped')).toMatch(/class="badge discontinued">Discontinued</);
    expect(card('Pelvis, stopped')).toContain('1 image');
    expect(card('Pelvis, stopped')).toContain('<img');
    expect(card('Thorax, done')).toMatch(/class="badge completed">Completed</);
    expect(card('Elbow, planned')).toMatch(/class="badge scheduled">Scheduled</);
    expect(card('Elbow, planned')).toContain('0 images');
  });
});
