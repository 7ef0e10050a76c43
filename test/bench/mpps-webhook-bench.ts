import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeSyntheticImage } from '@lightbox/agent/test-support';
import { LightboxStack } from '../src/support/lightbox-stack.js';
import { waitUntil } from '../src/support/managed-process.js';
import {
  completion,
  createOrder,
  nCreateAttributes,
  performedSeries,
  scheduledStepOf,
  type CreatedOrder,
} from '../src/support/mpps-fixtures.js';
import { sendMpps } from '../src/support/mpps-sender.js';
import { PimsReceiver } from '../src/support/pims-receiver.js';
import { median, type BenchRow } from './bench-table.js';

const PROCEDURES = 200;
const run = promisify(execFile);

/**
 * MPPS COMPLETED (the images it lists already filed) → `order.completed` received by the PIMS's
 * webhook endpoint, over 200 procedures: one image per order sent first with storescu, then each
 * step's N-CREATE and N-SET from a dcmjs-dimse client; timed from the N-SET's answer.
 */
export async function mppsWebhookBench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-mpps-bench-'));
  const stack = new LightboxStack({
    stations: [{ aeTitle: 'DR1', modality: 'DX' }],
    pluginEnv: { LIGHTBOX_OUTBOUND_ALLOW: '127.0.0.0/8' },
  });
  const receiver = new PimsReceiver();
  try {
    await stack.startAll();
    await receiver.start();
    await stack.api('POST', '/v1/webhooks', {
      url: receiver.url,
      secret: 'bench-secret-0123456789',
      types: ['order.completed'],
    });
    const orders: CreatedOrder[] = [];
    const files: string[] = [];
    for (let i = 0; i < PROCEDURES; i++) {
      const order = await createOrder(stack, 'bench');
      orders.push(order);
      files.push(
        await writeSyntheticImage(dir, `img-${i}`, {
          rows: 64,
          columns: 64,
          bitsAllocated: 16,
          photometric: 'MONOCHROME2',
          modality: 'DX',
          sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
          pixel: (x) => x * 10,
          identity: {
            studyInstanceUid: order.studyInstanceUid,
            seriesInstanceUid: `${order.studyInstanceUid}.9`,
            sopInstanceUid: `${order.studyInstanceUid}.9.1`,
          },
        }),
      );
    }
    for (let i = 0; i < files.length; i += 50) {
      await run(
        'storescu',
        ['-aet', 'DR1', '-aec', 'LIGHTBOX', '127.0.0.1', String(stack.dicomPort), ...files.slice(i, i + 50)],
        {
          env: { ...process.env, TCP_NODELAY: '1' },
        },
      );
    }
    await waitUntil(
      'every image filed',
      async () => {
        const res = await stack.api('GET', '/v1/studies?status=matched&limit=200');
        return ((await res.json()) as { items: unknown[] }).items.length >= PROCEDURES;
      },
      120_000,
      200,
    );

    const latencies: number[] = [];
    let missingFlagged = 0;
    for (const [i, order] of orders.entries()) {
      const uid = `2.25.${Date.now()}${i}`;
      const series = performedSeries(`${order.studyInstanceUid}.9`, 1);
      await sendMpps({ port: stack.dicomPort }, [
        {
          op: 'create',
          sopInstanceUid: uid,
          attributes: nCreateAttributes([scheduledStepOf(order)], { PerformedSeriesSequence: series }),
        },
      ]);
      const [answer] = await sendMpps({ port: stack.dicomPort }, [
        {
          op: 'set',
          sopInstanceUid: uid,
          attributes: completion('COMPLETED', { PerformedSeriesSequence: series }),
        },
      ]);
      const answeredAt = Date.now();
      if (answer?.status !== 0) throw new Error(`N-SET refused: ${answer?.status}`);
      const delivery = await waitUntil(
        'order.completed',
        () =>
          Promise.resolve(
            receiver.requests.find((d) => {
              const e = JSON.parse(d.body) as { data: { orderId?: string; missingImages?: boolean } };
              return e.data.orderId === order.orderId;
            }),
          ),
        10_000,
        2,
      );
      latencies.push(delivery.receivedAt - answeredAt);
      if ((JSON.parse(delivery.body) as { data: { missingImages?: boolean } }).data.missingImages)
        missingFlagged++;
    }
    if (missingFlagged > 0) throw new Error(`${missingFlagged} completions were flagged as missing images`);
    const sorted = [...latencies].sort((a, b) => a - b);
    const p99 = sorted[Math.ceil(sorted.length * 0.99) - 1]!;
    return [
      {
        measure: 'MPPS COMPLETED → webhook received (ms)',
        median: median(latencies).toFixed(0),
        runs: `${latencies.length}; p99 ${p99}, max ${sorted.at(-1)}`,
        target: 'p99 ≤ 500',
        verdict: p99 <= 500 ? 'ok' : 'MISSED',
      },
    ];
  } finally {
    await receiver.close();
    await stack.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
