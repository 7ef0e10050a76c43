import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpToDicom, findscu, type DumpItem } from './support/dcmtk.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { sendMpps } from './support/mpps-sender.js';
import {
  createOrder,
  freshUid,
  getOrder,
  nCreateAttributes,
  scheduledStepOf,
} from './support/mpps-fixtures.js';

const worklistQuery = (accession: string) => `(0008,0050) SH [${accession}]
(0010,0010) PN []
(0040,0100) SQ (Sequence with explicit length #=1)
  (fffe,e000) na (Item with explicit length #=1)
    (0040,0009) SH []
    (0040,0020) CS []
  (fffe,e00d) na (ItemDelimitationItem for re-encoding)
(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)`;

/** What the agent promises while the plugin cannot be reached. */
describe('offline truths', () => {
  const stack = new LightboxStack({
    reconnectMaxMs: 500,
    stations: [{ aeTitle: 'DR1', modality: 'DX' }],
    pluginEnv: { LIGHTBOX_COMPLETION_WAIT_MS: '0' },
  });
  beforeAll(() => stack.startAll(), 60_000);
  afterAll(() => stack.dispose());

  async function worklistFor(accession: string, callingAe: string): Promise<DumpItem[]> {
    const r = await findscu({
      port: stack.dicomPort,
      queryFiles: [await dumpToDicom(worklistQuery(accession))],
      callingAe,
    });
    if (r.finalStatuses[0] !== '0000') throw new Error(`worklist query failed: ${r.log}`);
    return r.responses;
  }

  it('an N-CREATE with the link down hides the item from a second console at once; the order follows later', async () => {
    const order = await createOrder(stack, 'offline');
    await waitUntil(
      'on the worklist',
      async () => (await worklistFor(order.accessionNumber, 'DR1')).length === 1,
    );
    await stack.plugin.stop();
    await stack.agent.waitForLog((l) => l.msg === 'link closed', 15_000);
    // The first console picks the patient and starts the exam.
    const uid = freshUid();
    const [created] = await sendMpps({ port: stack.dicomPort }, [
      { op: 'create', sopInstanceUid: uid, attributes: nCreateAttributes([scheduledStepOf(order)]) },
    ]);
    expect(created!.status).toBe(0);
    // A second console, right after, no longer sees it (no waiting: the plugin is not there to ask).
    expect(await worklistFor(order.accessionNumber, 'DR2')).toEqual([]);
    // Asked for explicitly, the step is there as STARTED.
    const started = await findscu({
      port: stack.dicomPort,
      queryFiles: [
        await dumpToDicom(
          worklistQuery(order.accessionNumber).replace('(0040,0020) CS []', '(0040,0020) CS [STARTED]'),
        ),
      ],
      callingAe: 'DR2',
    });
    expect(started.responses).toHaveLength(1);
    await stack.agent.waitForLog(
      (l) =>
        l.msg?.startsWith('worklist items started here') === true &&
        (l.orderIds as string[]).includes(order.orderId),
    );
    // The link comes back: the step reaches the plugin and the order is in progress there.
    stack.plugin.start();
    await stack.waitPluginReady();
    await stack.waitLinked();
    await waitUntil(
      'order in progress',
      async () => (await getOrder(stack, order.orderId)).status === 'in_progress',
      20_000,
    );
    expect(await worklistFor(order.accessionNumber, 'DR2')).toEqual([]);
  });
});
