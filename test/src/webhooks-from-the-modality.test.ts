import { afterAll, beforeAll, expect, it } from 'vitest';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import {
  completion,
  createOrder,
  freshUid,
  nCreateAttributes,
  scheduledStepOf,
} from './support/mpps-fixtures.js';
import { sendMpps } from './support/mpps-sender.js';
import { PimsReceiver } from './support/pims-receiver.js';

/**
 * The whole way back to the PIMS: a modality's MPPS at the agent, over the link, applied by the
 * plugin, pushed as a webhook. What the practice notices is how soon the invoice line flips after
 * the technician presses "done".
 */
const stack = new LightboxStack({
  stations: [{ aeTitle: 'DR1', modality: 'DX' }],
  // The receiver listens on loopback, which a site must allow explicitly.
  pluginEnv: { LIGHTBOX_COMPLETION_WAIT_MS: '0', LIGHTBOX_OUTBOUND_ALLOW: '127.0.0.0/8' },
});
const receiver = new PimsReceiver();
type Envelope = { id: string; type: string; data: Record<string, unknown> };

beforeAll(async () => {
  await stack.startAll();
  await receiver.start();
  const res = await stack.api('POST', '/v1/webhooks', {
    url: receiver.url,
    secret: 'modality-secret-0123456789',
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await receiver.close();
  await stack.dispose();
});

const received = (orderId: string, type: string) =>
  receiver.accepted.find((d) => {
    const e = JSON.parse(d.body) as Envelope;
    return e.type === type && e.data.orderId === orderId;
  });

it('delivers order.in_progress and order.completed moments after the MPPS, in order', async () => {
  const latencies: number[] = [];
  for (let i = 0; i < 15; i++) {
    const order = await createOrder(stack, 'webhook');
    const uid = freshUid();
    const [created] = await sendMpps({ port: stack.dicomPort }, [
      { op: 'create', sopInstanceUid: uid, attributes: nCreateAttributes([scheduledStepOf(order)]) },
    ]);
    expect(created!.status).toBe(0);
    await waitUntil(
      'order.in_progress',
      () => Promise.resolve(received(order.orderId, 'order.in_progress')),
      5_000,
      2,
    );
    const [completed] = await sendMpps({ port: stack.dicomPort }, [
      { op: 'set', sopInstanceUid: uid, attributes: completion() },
    ]);
    const answeredAt = Date.now();
    expect(completed!.status).toBe(0);
    const d = await waitUntil(
      'order.completed',
      () => Promise.resolve(received(order.orderId, 'order.completed')),
      5_000,
      2,
    );
    latencies.push(d.receivedAt - answeredAt);
    const types = receiver.accepted
      .map((x) => JSON.parse(x.body) as Envelope)
      .filter((e) => e.data.orderId === order.orderId)
      .map((e) => e.type);
    expect(types).toEqual(['order.scheduled', 'order.in_progress', 'order.completed']);
    expect((JSON.parse(d.body) as Envelope).data).toMatchObject({ orderId: order.orderId, reason: 'mpps' });
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `MPPS COMPLETED answered → webhook received, ${latencies.length} runs: ` +
      `median ${latencies[Math.floor(latencies.length / 2)]} ms, max ${latencies.at(-1)} ms`,
  );
  // The benchmark holds the p99 to 500 ms; here every single one must be well inside a second.
  expect(latencies.at(-1)!).toBeLessThan(1_000);
});
