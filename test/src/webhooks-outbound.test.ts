import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureOrders } from './fixtures/worklist-orders.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { PimsReceiver } from './support/pims-receiver.js';
import { TestDnsServer } from './support/test-dns-server.js';

/**
 * Webhooks cannot be aimed inside the network: loopback, link-local, the cloud metadata address and
 * private ranges are refused when subscribed (checked on the literal, nothing is sent), private
 * ranges only pass once the site allows them, and a name that resolves inward only at delivery time
 * (DNS rebinding, played by a test resolver on loopback) is refused on the connection itself.
 */
type Problem = { status: number; detail: string; errors?: { field: string; message: string }[] };
type Deliveries = { items: { statusCode: number | null; error: string | null; outcome: string }[] };

const SECRET = 'outbound-secret-0123456789';
const dns = new TestDnsServer();
const receiver = new PimsReceiver();
const closed = new LightboxStack({
  pluginEnv: { LIGHTBOX_WEBHOOK_BACKOFF_MIN_MS: '100', LIGHTBOX_WEBHOOK_BACKOFF_MAX_MS: '200' },
});
const open = new LightboxStack({
  pluginEnv: { LIGHTBOX_OUTBOUND_ALLOW: '10.0.0.0/8,127.0.0.0/8,169.254.0.0/16' },
});
let orders = 0;

beforeAll(async () => {
  await dns.start();
  await receiver.start();
  closed.opts.pluginEnv!.LIGHTBOX_DNS_SERVERS = dns.address;
  await Promise.all([closed.startPlugin(), open.startPlugin()]);
});
afterAll(async () => {
  await Promise.all([closed.dispose(), open.dispose(), receiver.close(), dns.close()]);
});

const subscribe = (stack: LightboxStack, url: string, secret = SECRET) =>
  stack.api('POST', '/v1/webhooks', { url, secret });

async function createOrder(stack: LightboxStack): Promise<void> {
  const res = await stack.api('POST', '/v1/orders', {
    ...fixtureOrders[0]!.body,
    pimsOrderId: `OUT-${++orders}`,
  });
  expect(res.status).toBe(201);
}

describe('a site that allows nothing beyond the public internet', () => {
  it.each([
    ['http://127.0.0.1:9/hook', /127\.0\.0\.1 is a loopback address/],
    ['http://[::1]:9/hook', /::1 is a loopback address/],
    ['http://0x7f000001:9/hook', /127\.0\.0\.1 is a loopback address/],
    ['http://169.254.169.254/latest/meta-data/', /cloud metadata address/],
    ['http://169.254.10.1/', /link-local address/],
    ['http://10.0.0.5/hook', /private address/],
    ['http://192.168.1.20/hook', /private address/],
    ['http://[::ffff:127.0.0.1]/hook', /loopback address/],
    ['http://0.0.0.0:9/', /unspecified address/],
  ])('refuses a subscription to %s with 422 naming why, sending nothing', async (url, why) => {
    const res = await subscribe(closed, url);
    expect(res.status).toBe(422);
    const problem = (await res.json()) as Problem;
    expect(problem.errors).toEqual([{ field: 'url', message: expect.stringMatching(why) as string }]);
  });

  it('refuses a name that resolves inward when subscribed', async () => {
    dns.records.set('inside.clinic.test', '127.0.0.1');
    const res = await subscribe(closed, 'http://inside.clinic.test:9/hook');
    expect(res.status).toBe(422);
    expect(((await res.json()) as Problem).errors![0]!.message).toMatch(
      /inside\.clinic\.test resolves to 127\.0\.0\.1, a loopback address/,
    );
    const list = (await (await closed.api('GET', '/v1/webhooks')).json()) as { items: unknown[] };
    expect(list.items).toEqual([]);
  });

  it('refuses a secret shorter than 16 bytes', async () => {
    const res = await subscribe(closed, 'https://pims.example/hook', 'fifteen-chars!!');
    expect(res.status).toBe(422);
    expect(((await res.json()) as Problem).errors!.map((e) => e.field)).toEqual(['secret']);
  });

  it('refuses at connection time a name rebound to loopback after it was subscribed (DNS rebinding)', async () => {
    const port = new URL(receiver.url).port;
    // At subscription time the name is public (nothing is sent: the check reads the address only)…
    dns.records.set('pims.rebind.test', '93.184.215.14');
    const res = await subscribe(closed, `http://pims.rebind.test:${port}/lightbox/events`);
    expect(res.status).toBe(201);
    const { webhookId } = (await res.json()) as { webhookId: string };
    // … and when the first event is delivered it points at this machine.
    dns.records.set('pims.rebind.test', '127.0.0.1');
    await createOrder(closed);
    const log = await waitUntil(
      'a refused attempt in the delivery log',
      async () => {
        const d = (await (
          await closed.api('GET', `/v1/webhooks/${webhookId}/deliveries`)
        ).json()) as Deliveries;
        return d.items.length > 0 ? d : null;
      },
      10_000,
    );
    expect(log.items[0]).toMatchObject({ statusCode: null, outcome: 'retrying' });
    expect(log.items[0]!.error).toMatch(/^address_loopback: pims\.rebind\.test resolves to 127\.0\.0\.1/);
    expect(dns.queries).toContain('pims.rebind.test/A');
    expect(receiver.requests).toEqual([]);
    expect((await closed.api('DELETE', `/v1/webhooks/${webhookId}`)).status).toBe(204);
  });
});

describe('a site that allows its own ranges', () => {
  it('accepts a private address in an allowed range and still refuses the others', async () => {
    const inside = await subscribe(open, 'http://10.0.0.5:8443/hook');
    expect(inside.status).toBe(201);
    // Removed before any event exists: nothing is ever sent beyond loopback.
    const { webhookId } = (await inside.json()) as { webhookId: string };
    expect((await open.api('DELETE', `/v1/webhooks/${webhookId}`)).status).toBe(204);
    expect((await subscribe(open, 'http://192.168.1.20/hook')).status).toBe(422);
    // Allowing link-local never opens the metadata address.
    const metadata = await subscribe(open, 'http://169.254.169.254/latest/meta-data/');
    expect(metadata.status).toBe(422);
    expect(((await metadata.json()) as Problem).errors![0]!.message).toMatch(/cloud metadata address/);
  });

  it('delivers to a loopback receiver once loopback is allowed', async () => {
    expect((await subscribe(open, receiver.url)).status).toBe(201);
    await createOrder(open);
    await waitUntil('a delivery', () => Promise.resolve(receiver.requests.length > 0), 10_000);
    expect(receiver.requests[0]!.headers['lightbox-event-type']).toBe('order.scheduled');
  });
});
