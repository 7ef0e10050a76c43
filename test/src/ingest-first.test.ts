import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctSliceSpec, writeCopies } from './fixtures/storage-corpus.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { createOrder } from './support/mpps-fixtures.js';
import { parseStoreLog, spawnStorescu, storescu } from './support/storage-peers.js';

const SLICES = 200;
/** The wait for a pause in storage the agent is started with (its default). */
const QUIET_MS = 300;
/**
 * Thumbnails and previews of the whole series at the plugin this long after the last answer, at
 * most. The bench measures the same on a quiet machine; this one is shared, so it is generous.
 */
const CATCH_UP_BOUND_MS = 20_000;

interface OrderView {
  studies: { studyId: string; instanceCount: number }[];
}

/** One CT slice copied under SLICES SOP Instance UIDs. */
function ctSeries(dir: string, studyInstanceUid: string, label: string): Promise<string[]> {
  return writeCopies(
    dir,
    { ...ctSliceSpec(`${label}-template`, 256), studyInstanceUid },
    Array.from({ length: SLICES }, (_, i) => ({
      file: path.join(dir, `${label}-${String(i).padStart(4, '0')}.dcm`),
      sopInstanceUid: `2.25.${String(Date.now() % 1e9).padStart(9, '0')}${String(i).padStart(9, '0')}`,
    })),
  );
}

/** Ingest first, then catch up: what a technician and a vet each notice of a CT series. */
describe('a CT series burst', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-burst-'));
  const stack = new LightboxStack({
    reconnectMaxMs: 500,
    stations: [{ aeTitle: 'DR1', modality: 'DX' }],
    // The bound on an instance's wait is set past the burst: here nothing may render during it.
    // Debug level: one test watches each instance arrive (`instance_stored`) to stop the agent.
    agentEnv: { LIGHTBOX_RENDER_MAX_DELAY_MS: '120000', LIGHTBOX_LOG_LEVEL: 'debug' },
  });
  beforeAll(() => stack.startAll(), 60_000);
  afterAll(async () => {
    await stack.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const orderView = async (orderId: string): Promise<OrderView> =>
    (await (await stack.api('GET', `/v1/orders/${orderId}`)).json()) as OrderView;

  async function instancesAtPlugin(orderId: string) {
    const view = await orderView(orderId);
    const study = view.studies[0];
    if (!study) return [];
    const body = (await (await stack.api('GET', `/v1/studies/${study.studyId}`)).json()) as {
      series: { instances: { sopInstanceUid: string; thumbnailUrl: string; previewUrl: string }[] }[];
    };
    return body.series.flatMap((s) => s.instances);
  }

  it('renders nothing while the slices arrive, and has every thumbnail and preview at the plugin soon after', async () => {
    const order = await createOrder(stack, 'burst');
    const files = await ctSeries(path.join(dir, 'burst'), order.studyInstanceUid, 'burst');
    const sender = spawnStorescu(stack.dicomPort, files, ['-xe']);
    const exited = new Promise<number | null>((resolve) => sender.once('exit', (code) => resolve(code)));
    const burst = { running: true };
    void exited.then(() => (burst.running = false));
    // Watched from the plugin's side, as the vet's chart would be.
    let seenDuringBurst = 0;
    while (burst.running) {
      seenDuringBurst = Math.max(
        seenDuringBurst,
        (await orderView(order.orderId)).studies[0]?.instanceCount ?? 0,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const lastAnswerAt = Date.now();
    expect(await exited).toBe(0);
    expect(parseStoreLog(sender.output()).responses.filter((r) => r === 'Success')).toHaveLength(SLICES);
    expect(seenDuringBurst).toBe(0);
    await waitUntil(
      'every thumbnail and preview at the plugin',
      async () => {
        const instances = await instancesAtPlugin(order.orderId);
        return instances.length === SLICES && instances.every((i) => i.thumbnailUrl && i.previewUrl);
      },
      CATCH_UP_BOUND_MS,
      50,
    );
    const caughtUpMs = Date.now() - lastAnswerAt;
    // Rendering began once storage paused, not before.
    const [resumed] = stack.agent.linesWith('rendering_resumed');
    expect(resumed?.why).toBe('quiet');
    expect(resumed!.receivedAt).toBeGreaterThanOrEqual(lastAnswerAt - 1_000 + QUIET_MS);
    process.stdout.write(
      `200 CT slices: every thumbnail and preview at the plugin ${caughtUpMs} ms after the last answer\n`,
    );
  });

  it('delivers every acknowledged slice exactly once when the agent is SIGKILLed mid-burst', async () => {
    const order = await createOrder(stack, 'burst-kill');
    const files = await ctSeries(path.join(dir, 'kill'), order.studyInstanceUid, 'kill');
    const stored = (): number => stack.agent.linesWith('instance_stored').length;
    const before = stored();
    const sender = spawnStorescu(stack.dicomPort, files, ['-xe']);
    const exited = new Promise<void>((resolve) => sender.once('exit', () => resolve()));
    await waitUntil(
      'half the burst stored',
      () => Promise.resolve(stored() - before >= SLICES / 2),
      60_000,
      5,
    );
    await stack.agent.kill('SIGKILL');
    await exited;
    stack.agent.start();
    const acknowledged = parseStoreLog(sender.output()).responses.filter((r) => r === 'Success').length;
    expect(acknowledged).toBeGreaterThanOrEqual(SLICES / 2 - 5);
    expect(acknowledged).toBeLessThan(SLICES);
    await stack.waitLinked();
    // Every acknowledged slice reaches the plugin without a resend...
    await waitUntil(
      'acknowledged slices at the plugin',
      async () => (await instancesAtPlugin(order.orderId)).length >= acknowledged,
      60_000,
    );
    // ...and the console's resend of the series completes it, each slice once.
    const resend = await storescu({ port: stack.dicomPort, files, args: ['-xe'] });
    expect(resend.responses.filter((r) => r === 'Success')).toHaveLength(SLICES);
    await waitUntil(
      'the whole series at the plugin',
      async () => (await instancesAtPlugin(order.orderId)).length === SLICES,
      60_000,
    );
    const instances = await instancesAtPlugin(order.orderId);
    expect(new Set(instances.map((i) => i.sopInstanceUid)).size).toBe(SLICES);
    expect(instances.every((i) => i.thumbnailUrl && i.previewUrl)).toBe(true);
  });
});
