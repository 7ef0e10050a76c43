import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureOrders } from './fixtures/worklist-orders.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { PimsReceiver, type ReceivedDelivery } from './support/pims-receiver.js';

/** Waits (bounded) for a condition on what the receivers recorded. */
const until = <T>(what: string, probe: () => T | undefined | null | false, ms = 5_000, everyMs = 5) =>
  waitUntil(what, () => Promise.resolve(probe()), ms, everyMs);

/**
 * Events back to the PIMS as an integrator meets them: webhooks signed and in order, a dead or
 * failing subscriber that holds up no one else, everything once after recovery, the feed that had
 * it all along, and a plugin restart in the middle of a stream.
 */
const TIMEOUT_MS = 700;
const stack = new LightboxStack({
  pluginEnv: {
    LIGHTBOX_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    LIGHTBOX_WEBHOOK_BACKOFF_MIN_MS: '100',
    LIGHTBOX_WEBHOOK_BACKOFF_MAX_MS: '800',
    LIGHTBOX_WEBHOOK_POLL_MS: '500',
    // The test's receivers listen on loopback, which a site must allow explicitly.
    LIGHTBOX_OUTBOUND_ALLOW: '127.0.0.0/8',
  },
});
const receivers: PimsReceiver[] = [];
let n = 0;

type Problem = { status: number; errors?: { field: string; message: string }[] };
type Envelope = { id: string; type: string; occurredAt: string; data: Record<string, unknown> };
type Feed = { items: Envelope[]; next: string; hasMore: boolean };

beforeAll(() => stack.startPlugin());
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await stack.dispose();
});

async function receiver(): Promise<PimsReceiver> {
  const r = await new PimsReceiver().start();
  receivers.push(r);
  return r;
}

async function subscribe(r: PimsReceiver, secret: string, types?: string[]): Promise<string> {
  const res = await stack.api('POST', '/v1/webhooks', { url: r.url, secret, ...(types ? { types } : {}) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { webhookId: string }).webhookId;
}

/** Creates an order through the API; returns its id and when the answer came. */
async function createOrder(): Promise<{ orderId: string; at: number }> {
  const res = await stack.api('POST', '/v1/orders', { ...fixtureOrders[0]!.body, pimsOrderId: `WH-${++n}` });
  expect(res.status).toBe(201);
  return { orderId: ((await res.json()) as { orderId: string }).orderId, at: Date.now() };
}

/**
 * Creates `count` orders one after another, each once the previous one's order.scheduled reached
 * `r`: their ids, and how long after each answer its delivery arrived (ms).
 */
async function createAndAwaitDeliveries(
  r: PimsReceiver,
  count: number,
): Promise<{ orderIds: string[]; latencies: number[] }> {
  const orderIds: string[] = [];
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const { orderId, at } = await createOrder();
    orderIds.push(orderId);
    const d = await until(
      'the order.scheduled delivery',
      () => r.accepted.find((x) => (JSON.parse(x.body) as Envelope).data.orderId === orderId),
      5_000,
      2,
    );
    latencies.push(d.receivedAt - at);
  }
  return { orderIds, latencies };
}

async function cancelOrder(orderId: string): Promise<void> {
  const res = await stack.api('POST', `/v1/orders/${orderId}/cancel`, { reason: 'owner declined' });
  expect(res.status).toBe(200);
}

async function feedPosition(): Promise<string> {
  let after = '0';
  for (let page = 0; page < 1_000; page++) {
    const feed = (await (await stack.api('GET', `/v1/events?after=${after}&limit=500`)).json()) as Feed;
    after = feed.next;
    if (!feed.hasMore) return after;
  }
  throw new Error('the feed did not end');
}

async function feedSince(after: string): Promise<Envelope[]> {
  const res = await stack.api('GET', `/v1/events?after=${after}&limit=500`);
  expect(res.status).toBe(200);
  return ((await res.json()) as Feed).items;
}

function verifySignature(d: ReceivedDelivery, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(d.headers['lightbox-signature']));
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${d.body}`, 'utf8').digest('hex');
  return expected === m[2] && Math.abs(Date.now() / 1000 - Number(m[1])) < 60;
}

const ids = (ds: ReceivedDelivery[]) => ds.map((d) => d.eventId);

describe('subscriptions and the feed refuse bad input', () => {
  it('answers 422 naming the field for a URL that is not http(s), a missing secret or an unknown type', async () => {
    const cases: [unknown, string[]][] = [
      [{ url: 'ftp://pims.example/hook', secret: 's3cret-0123456789abcdef' }, ['url']],
      [{ url: 'javascript:alert(1)', secret: 's3cret-0123456789abcdef' }, ['url']],
      [{ url: 'http://127.0.0.1:9/hook' }, ['secret']],
      [{ url: 'http://127.0.0.1:9/hook', secret: '' }, ['secret']],
      [{ url: 'not a url', secret: '' }, ['url', 'secret']],
      [
        { url: 'http://127.0.0.1:9/hook', secret: 's3cret-0123456789abcdef', types: ['order.exploded'] },
        ['types.0'],
      ],
    ];
    for (const [body, fields] of cases) {
      const res = await stack.api('POST', '/v1/webhooks', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = (await res.json()) as Problem;
      expect(problem.errors!.map((e) => e.field).sort(), JSON.stringify(body)).toEqual(fields.sort());
    }
    const list = (await (await stack.api('GET', '/v1/webhooks')).json()) as { items: unknown[] };
    expect(list.items).toEqual([]);
  });

  it('answers 422 for feed cursors and limits it did not issue, and 404 for an unknown subscription', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      ['after=yesterday', 'after'],
      ['after=evt_00000000-0000-0000-0000-000000000000', 'after'],
    ]) {
      const res = await stack.api('GET', `/v1/events?${query}`);
      expect(res.status, query).toBe(422);
      expect(((await res.json()) as Problem).errors!.map((e) => e.field)).toEqual([field]);
    }
    for (const [method, path] of [
      ['GET', '/v1/webhooks/whk_nope'],
      ['DELETE', '/v1/webhooks/whk_nope'],
      ['GET', '/v1/webhooks/whk_nope/deliveries'],
    ]) {
      const res = await stack.api(method!, path!);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect((await stack.api('GET', '/v1/events', undefined, 'wrong-key-0123456789')).status).toBe(401);
  });
});

describe('webhook delivery', () => {
  it('delivers every event in order, signed, within moments, and never shows the secret again', async () => {
    const r = await receiver();
    const secret = 'whsec_in-order-0123456789';
    const from = await feedPosition();
    const webhookId = await subscribe(r, secret);
    const { orderIds, latencies } = await createAndAwaitDeliveries(r, 8);
    for (const orderId of orderIds.slice(0, 3)) await cancelOrder(orderId);

    const feed = await feedSince(from);
    expect(feed.map((e) => e.type)).toEqual([
      ...Array<string>(8).fill('order.scheduled'),
      ...Array<string>(3).fill('order.cancelled'),
    ]);
    await until('all deliveries', () => r.accepted.length >= feed.length, 5_000, 10);
    await new Promise((res) => setTimeout(res, 200));
    expect(ids(r.requests)).toEqual(feed.map((e) => e.id));
    for (const [i, d] of r.requests.entries()) {
      expect(verifySignature(d, secret)).toBe(true);
      expect(verifySignature(d, 'another secret 0123456789')).toBe(false);
      expect(JSON.parse(d.body)).toEqual(feed[i]);
      expect(d.headers['content-type']).toBe('application/json');
      expect(d.headers['lightbox-event-type']).toBe(feed[i]!.type);
    }
    const cancelled = JSON.parse(r.requests.at(-1)!.body) as Envelope;
    expect(cancelled.data).toMatchObject({ orderId: orderIds[2], reason: 'owner declined' });

    latencies.sort((a, b) => a - b);
    console.log(`order created → webhook received: median ${latencies[4]} ms, max ${latencies.at(-1)} ms`);
    expect(latencies.at(-1)!).toBeLessThan(500);

    // The receiver has the last body before the plugin has read its 200 and logged the attempt.
    await waitUntil('every delivery logged', async () => {
      const res = await stack.api('GET', `/v1/webhooks/${webhookId}/deliveries?limit=500`);
      return ((await res.json()) as { items: unknown[] }).items.length === feed.length;
    });
    const shown = await (await stack.api('GET', `/v1/webhooks/${webhookId}`)).text();
    const listed = await (await stack.api('GET', '/v1/webhooks')).text();
    expect(shown).not.toContain(secret);
    expect(listed).not.toContain(secret);
    expect(JSON.parse(shown)).toMatchObject({
      webhookId,
      url: r.url,
      status: 'active',
      types: null,
      delivery: { pendingEventId: null, failedAttempts: 0 },
    });
    const log = (await (await stack.api('GET', `/v1/webhooks/${webhookId}/deliveries?limit=500`)).json()) as {
      items: { eventId: string; statusCode: number; outcome: string; attempt: number; durationMs: number }[];
    };
    expect(log.items.map((d) => d.eventId).reverse()).toEqual(feed.map((e) => e.id));
    expect(log.items.every((d) => d.statusCode === 200 && d.outcome === 'delivered' && d.attempt === 1)).toBe(
      true,
    );

    expect((await stack.api('DELETE', `/v1/webhooks/${webhookId}`)).status).toBe(204);
    expect((await stack.api('GET', `/v1/webhooks/${webhookId}`)).status).toBe(404);
    await createOrder();
    await new Promise((res) => setTimeout(res, 300));
    expect(r.requests.length).toBe(feed.length);
  });

  it('delivers only the types asked for', async () => {
    const r = await receiver();
    const from = await feedPosition();
    const webhookId = await subscribe(r, 'types-secret-0123456789', ['order.cancelled']);
    const a = await createOrder();
    await createOrder();
    await cancelOrder(a.orderId);
    const cancelled = (await feedSince(from)).filter((e) => e.type === 'order.cancelled');
    expect(cancelled).toHaveLength(1);
    await until('the cancellation', () => r.accepted.length === 1, 5_000, 10);
    await new Promise((res) => setTimeout(res, 200));
    expect(ids(r.requests)).toEqual([cancelled[0]!.id]);
    await stack.api('DELETE', `/v1/webhooks/${webhookId}`);
  });

  it('keeps a failing and a dead subscriber from delaying a healthy one; after recovery each gets every event once, in order', async () => {
    const healthy = await receiver();
    const failing = await receiver();
    const dead = await receiver();
    failing.mode = 'error';
    dead.mode = 'hang';
    const from = await feedPosition();
    const healthyId = await subscribe(healthy, 'healthy-secret-0123456789');
    const failingId = await subscribe(failing, 'failing-secret-0123456789');
    const deadId = await subscribe(dead, 'dead-secret-0123456789');

    const outageStarted = Date.now();
    const { orderIds: created, latencies } = await createAndAwaitDeliveries(healthy, 6);
    for (const orderId of created.slice(0, 2)) await cancelOrder(orderId);
    console.log(`healthy subscriber beside a failing and a dead one: max ${Math.max(...latencies)} ms`);
    expect(Math.max(...latencies)).toBeLessThan(500);

    // The feed has every event all along, whatever the subscribers do.
    const feed = await feedSince(from);
    expect(feed).toHaveLength(8);
    await until('the healthy subscriber to have all', () => healthy.accepted.length === 8, 5_000, 10);

    // A long stretch of outage: several timeouts of the dead one, many 500s of the failing one.
    await until(
      'a long outage',
      () => Date.now() - outageStarted > 4_000 && dead.requests.length >= 3,
      10_000,
    );
    expect(failing.accepted).toEqual([]);
    expect(dead.accepted).toEqual([]);
    expect(new Set(ids(failing.requests))).toEqual(new Set([feed[0]!.id]));
    expect(new Set(ids(dead.requests))).toEqual(new Set([feed[0]!.id]));

    const failingState = (await (await stack.api('GET', `/v1/webhooks/${failingId}`)).json()) as {
      status: string;
      delivery: { pendingEventId: string; failedAttempts: number; lastError: string; nextAttemptAt: string };
    };
    expect(failingState.status).toBe('active');
    expect(failingState.delivery.pendingEventId).toBe(feed[0]!.id);
    expect(failingState.delivery.failedAttempts).toBeGreaterThanOrEqual(3);
    // The status and a classified reason, never the receiver's own words.
    expect(failingState.delivery.lastError).toBe('http_status: HTTP 500');
    const deadLog = (await (await stack.api('GET', `/v1/webhooks/${deadId}/deliveries`)).json()) as {
      items: { statusCode: number | null; error: string; durationMs: number; outcome: string }[];
    };
    expect(deadLog.items.length).toBeGreaterThanOrEqual(3);
    for (const d of deadLog.items) {
      expect(d).toMatchObject({
        statusCode: null,
        error: `timeout: no complete answer within ${TIMEOUT_MS} ms`,
        outcome: 'retrying',
      });
      expect(d.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(d.durationMs).toBeLessThan(TIMEOUT_MS + 1_000);
    }

    failing.mode = 'ok';
    dead.mode = 'ok';
    const recovered = Date.now();
    await until(
      'both to catch up',
      () => failing.accepted.length === 8 && dead.accepted.length === 8,
      10_000,
    );
    console.log(`caught up ${Date.now() - recovered} ms after the subscribers recovered`);
    await new Promise((res) => setTimeout(res, 500));
    for (const r of [healthy, failing, dead]) expect(ids(r.accepted)).toEqual(feed.map((e) => e.id));
    expect(ids(healthy.requests)).toEqual(feed.map((e) => e.id));
    for (const [r, secret] of [
      [healthy, 'healthy-secret-0123456789'],
      [failing, 'failing-secret-0123456789'],
      [dead, 'dead-secret-0123456789'],
    ] as const) {
      for (const d of r.requests) expect(verifySignature(d, secret)).toBe(true);
    }
    for (const id of [healthyId, failingId, deadId]) await stack.api('DELETE', `/v1/webhooks/${id}`);
  });

  it('loses and repeats nothing over a clean restart in mid-stream, and after a crash repeats at most the delivery in flight', async () => {
    for (const crash of [false, true]) {
      const r = await receiver();
      r.delayMs = 40;
      const from = await feedPosition();
      const webhookId = await subscribe(r, 'restart-secret-0123456789');
      for (let i = 0; i < 10; i++) await createOrder();
      await until('the stream to be under way', () => r.requests.length >= 3, 5_000, 5);
      if (crash) await stack.plugin.restart();
      else {
        await stack.plugin.stop();
        stack.plugin.start();
      }
      await stack.waitPluginReady();
      for (let i = 0; i < 10; i++) await createOrder();
      const feed = await feedSince(from);
      expect(feed).toHaveLength(20);
      await until('every event', () => new Set(ids(r.accepted)).size === 20, 15_000);
      await new Promise((res) => setTimeout(res, 300));
      const received = ids(r.accepted);
      const withoutRepeats = received.filter((id, i) => id !== received[i - 1]);
      expect(withoutRepeats).toEqual(feed.map((e) => e.id));
      console.log(`${crash ? 'SIGKILL' : 'SIGTERM'} mid-stream: ${received.length - 20} repeated`);
      expect(received.length - 20).toBeLessThanOrEqual(crash ? 1 : 0);
      await stack.api('DELETE', `/v1/webhooks/${webhookId}`);
    }
  });
});
