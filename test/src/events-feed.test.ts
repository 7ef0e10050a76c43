import { createHash } from 'node:crypto';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureOrders } from './fixtures/worklist-orders.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { PimsReceiver } from './support/pims-receiver.js';

/** Waits (bounded) for a condition on what the receivers recorded. */
const until = <T>(what: string, probe: () => T | undefined | null | false, ms = 5_000, everyMs = 5) =>
  waitUntil(what, () => Promise.resolve(probe()), ms, everyMs);

/** The events feed as a polling PIMS meets it: complete, ordered, paged, and per site. */
// The test's receiver listens on loopback, which a site must allow explicitly.
const stack = new LightboxStack({ pluginEnv: { LIGHTBOX_OUTBOUND_ALLOW: '127.0.0.0/8' } });
const OTHER_SITE_KEY = 'lbx_key_other_site_0123456789abcdef';
type Envelope = { id: string; type: string; occurredAt: string; data: Record<string, unknown> };
type Feed = { items: Envelope[]; next: string; hasMore: boolean };
let receiver: PimsReceiver;

beforeAll(async () => {
  await stack.startPlugin();
  // A second practice on the same plugin, as a group's installer would add one.
  const db = createClient({ url: `file:${stack.pluginDbFile}` });
  await db.batch([
    { sql: "INSERT INTO sites (id, name) VALUES ('site_other', 'Other practice')", args: [] },
    {
      sql: "INSERT INTO api_keys (id, site_id, key_hash, label) VALUES ('key_other', 'site_other', ?, 'test')",
      args: [createHash('sha256').update(OTHER_SITE_KEY).digest('hex')],
    },
  ]);
  db.close();
  receiver = await new PimsReceiver().start();
});
afterAll(async () => {
  await receiver.close();
  await stack.dispose();
});

const feed = async (query: string, key?: string): Promise<Feed> => {
  const res = await stack.api('GET', `/v1/events${query}`, undefined, key);
  expect(res.status).toBe(200);
  return (await res.json()) as Feed;
};

describe('the events feed', () => {
  it('lists every change oldest first, pages without gaps or repeats, and polls on from `next`', async () => {
    const orderIds: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await stack.api('POST', '/v1/orders', {
        ...fixtureOrders[0]!.body,
        pimsOrderId: `FEED-${i}`,
      });
      orderIds.push(((await res.json()) as { orderId: string }).orderId);
    }
    await stack.api('POST', `/v1/orders/${orderIds[3]}/cancel`, { reason: 'booked twice' });

    const all = await feed('?limit=500');
    expect(all.hasMore).toBe(false);
    expect(all.items.map((e) => [e.type, e.data.orderId])).toEqual([
      ...orderIds.map((id) => ['order.scheduled', id]),
      ['order.cancelled', orderIds[3]],
    ]);
    const times = all.items.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(all.items.map((e) => e.id)).size).toBe(8);
    expect(all.items[0]!.data).toMatchObject({ pimsOrderId: 'FEED-0', status: 'scheduled' });

    const paged: Envelope[] = [];
    let after = '';
    for (let page = 0; page < 10; page++) {
      const p = await feed(`?limit=3${after ? `&after=${after}` : ''}`);
      paged.push(...p.items);
      after = p.next;
      if (!p.hasMore) break;
    }
    expect(paged).toEqual(all.items);

    // Nothing new: the same position comes back, so a poller can keep asking with it.
    const idle = await feed(`?after=${after}`);
    expect(idle).toEqual({ items: [], next: after, hasMore: false });
    await stack.api('POST', `/v1/orders/${orderIds[4]}/cancel`, { reason: 'owner declined' });
    const more = await feed(`?after=${after}`);
    expect(more.items.map((e) => [e.type, e.data.orderId])).toEqual([['order.cancelled', orderIds[4]]]);

    // An event id the PIMS holds works as a position too.
    const fromId = await feed(`?after=${all.items[5]!.id}`);
    expect(fromId.items.map((e) => e.id)).toEqual([...all.items.slice(6), ...more.items].map((e) => e.id));
  });

  it('shows a site only its own events and subscriptions, and delivers it only its own', async () => {
    const hook = await stack.api(
      'POST',
      '/v1/webhooks',
      { url: receiver.url, secret: 'other-site-secret' },
      OTHER_SITE_KEY,
    );
    expect(hook.status).toBe(201);
    const { webhookId } = (await hook.json()) as { webhookId: string };
    await stack.api('POST', '/v1/orders', { ...fixtureOrders[0]!.body, pimsOrderId: 'FEED-MAIN-ONLY' });

    expect((await feed('', OTHER_SITE_KEY)).items).toEqual([]);
    const mine = (await feed('?limit=500')).items;
    // Another site's event id is no position in this site's feed.
    const foreign = await stack.api('GET', `/v1/events?after=${mine[0]!.id}`, undefined, OTHER_SITE_KEY);
    expect(foreign.status).toBe(422);
    expect((await stack.api('GET', `/v1/webhooks/${webhookId}`)).status).toBe(404);
    expect(((await (await stack.api('GET', '/v1/webhooks')).json()) as { items: unknown[] }).items).toEqual(
      [],
    );
    expect((await stack.api('GET', `/v1/webhooks/${webhookId}`, undefined, OTHER_SITE_KEY)).status).toBe(200);

    const other = await stack.api(
      'POST',
      '/v1/orders',
      { ...fixtureOrders[0]!.body, pimsOrderId: 'FEED-OTHER' },
      OTHER_SITE_KEY,
    );
    expect(other.status).toBe(201);
    const otherEvents = (await feed('', OTHER_SITE_KEY)).items;
    expect(otherEvents.map((e) => e.data.pimsOrderId)).toEqual(['FEED-OTHER']);
    await until('the other site’s delivery', () => receiver.accepted.length === 1, 5_000, 10);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests.map((d) => d.eventId)).toEqual([otherEvents[0]!.id]);
  });
});
