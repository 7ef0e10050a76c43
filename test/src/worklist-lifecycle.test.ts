import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureOrders } from './fixtures/worklist-orders.js';
import { dumpToDicom, type DumpItem } from './support/dcmtk.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { worklistItems, worklistQueryDump } from './support/worklist-query.js';

const stack = new LightboxStack({ pluginEnv: { LIGHTBOX_TIMEZONE: 'UTC' }, reconnectMaxMs: 500 });

const allKeys = worklistQueryDump(
  {
    '(0008,0050) SH': '',
    '(0010,0010) PN': '',
    '(0010,0020) LO': '',
    '(0020,000d) UI': '',
    '(0040,1001) SH': '',
  },
  { '(0040,0009) SH': '', '(0040,0002) DA': '', '(0040,0003) TM': '' },
);

// Built once: the cancel test times its polls, and a dump2dcm each would count against the agent.
let allKeysQuery: Promise<string> | undefined;

async function worklist(): Promise<DumpItem[]> {
  allKeysQuery ??= dumpToDicom(allKeys);
  return worklistItems(stack.dicomPort, await allKeysQuery);
}

/** What identifies a worklist entry to a modality; it must never change under it. */
const identity = (items: DumpItem[]) =>
  items
    .map((x) => ({
      patientId: x.PatientID,
      accession: x.AccessionNumber,
      studyUid: x.StudyInstanceUID,
      requestedProcedureId: x.RequestedProcedureID,
      stepId: (x.ScheduledProcedureStepSequence as DumpItem[])[0]!.ScheduledProcedureStepID,
    }))
    .sort((a, b) => JSON.stringify(a.patientId).localeCompare(JSON.stringify(b.patientId)));

beforeAll(async () => {
  await stack.startAll();
  for (const o of fixtureOrders.slice(0, 4))
    expect((await stack.api('POST', '/v1/orders', o.body)).status).toBe(201);
  await waitUntil('four items', async () => (await worklist()).length === 4);
}, 60_000);
afterAll(() => stack.dispose());

describe('the worklist through restarts and outages', () => {
  it('an agent restart keeps Study Instance UIDs, accession numbers and step ids identical', async () => {
    const before = identity(await worklist());
    await stack.agent.restart();
    const after = await waitUntil(
      'agent answering again',
      async () => identity(await worklist()),
      20_000,
      200,
    );
    expect(after).toEqual(before);
    expect(after.every((x) => x.studyUid && x.accession && x.stepId)).toBe(true);
  });

  it('with the plugin killed the worklist still answers; orders created meanwhile appear once the link returns', async () => {
    await stack.plugin.kill('SIGKILL');
    expect(await worklist()).toHaveLength(4);
    stack.plugin.start();
    await stack.waitPluginReady();
    // Created before the agent has its link back: it learns of them through the outbox.
    for (const o of fixtureOrders.slice(4, 6))
      expect((await stack.api('POST', '/v1/orders', o.body)).status).toBe(201);
    await waitUntil(
      'the new orders in the worklist',
      async () => (await worklist()).length === 6,
      20_000,
      200,
    );
  });

  it('a cancel in the PIMS removes the item within a second', async () => {
    const res = await stack.api('POST', '/v1/orders', fixtureOrders[6]!.body);
    const { orderId } = (await res.json()) as { orderId: string };
    await waitUntil('created', async () => (await worklist()).some((x) => x.PatientID === 'P600'));
    const cancelledAt = Date.now();
    expect(
      (await stack.api('POST', `/v1/orders/${orderId}/cancel`, { reason: 'owner cancelled' })).status,
    ).toBe(200);
    await waitUntil('gone', async () => !(await worklist()).some((x) => x.PatientID === 'P600'), 5_000, 20);
    expect(Date.now() - cancelledAt).toBeLessThan(1_000);
    const order = (await (await stack.api('GET', `/v1/orders/${orderId}`)).json()) as {
      status: string;
      timeline: { change: string; reason: string | null }[];
    };
    expect(order.status).toBe('cancelled');
    expect(order.timeline.map((t) => t.change)).toEqual(['created', 'cancelled']);
  });

  it('a correction shows in the worklist, identifiers unchanged', async () => {
    const list = (await (await stack.api('GET', '/v1/orders?pimsPatientId=P300')).json()) as {
      items: { orderId: string }[];
    };
    const orderId = list.items[0]!.orderId;
    const before = identity((await worklist()).filter((x) => x.PatientID === 'P300'));
    const res = await stack.api('PATCH', `/v1/orders/${orderId}`, {
      patient: { name: 'Bello II' },
      scheduled: { at: '2026-11-23T15:45:00Z' },
    });
    expect(res.status).toBe(200);
    const item = await waitUntil('corrected', async () =>
      (await worklist()).find((x) => x.PatientID === 'P300' && x.PatientName === 'Müller^Bello II'),
    );
    expect((item.ScheduledProcedureStepSequence as DumpItem[])[0]!.ScheduledProcedureStepStartTime).toBe(
      '154500',
    );
    expect(identity([item])).toEqual(before);
  });
});
