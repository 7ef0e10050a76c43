import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/database.js';
import { appendEvent } from '../events/event-store.js';
import { createLogger } from '../log.js';
import { OutboundGuard } from '../security/outbound-guard.js';
import { SecretBox } from '../security/secret-box.js';
import { WebhookDispatcher, type WebhookSettings } from './webhook-dispatcher.js';
import { createWebhook, findWebhook } from './webhook-store.js';

/** The receiver listens on loopback, which a site must allow explicitly. */
const security = {
  outbound: new OutboundGuard({ allowedRanges: ['127.0.0.0/8'] }),
  secrets: SecretBox.withKey(randomBytes(32)),
};
/**
 * Two plugin instances on one database, both woken by every event: the subscription's lease lets
 * exactly one deliver at a time, and the other takes over when the first stops.
 */
const settings: WebhookSettings = {
  // The lease runs for two request timeouts: long enough that a loaded test machine's pauses do
  // not let it lapse mid-delivery, which would hand the subscription over (at-least-once, as
  // documented) and deliver one event twice; the clean stop below releases it at once anyway.
  timeoutMs: 5_000,
  backoffMinMs: 50,
  backoffMaxMs: 200,
  retryForMs: 60_000,
  pollMs: 200,
};

let dir: string;
let database: Database;
let server: Server;
let url: string;
const received: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lightbox-webhook-instances-'));
  database = await openDatabase(`file:${path.join(dir, 'plugin.db')}`);
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers['lightbox-event-id']));
      setTimeout(() => res.writeHead(200).end(), 3);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, probe: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('delivers each event once, in order, while two instances run, and fails over on a clean stop', async () => {
  const webhook = await createWebhook(database, security.secrets, 'site-a', {
    url,
    secret: 'two-instances-secret',
  });
  const log = createLogger('error');
  const a = new WebhookDispatcher({ ...security, database, log, settings, instanceId: 'instance-a' });
  const b = new WebhookDispatcher({ ...security, database, log, settings, instanceId: 'instance-b' });
  await a.start();
  await b.start();
  const expected: string[] = [];
  for (let i = 0; i < 30; i++) {
    expected.push(await database.write((tx) => appendEvent(tx, 'site-a', 'order.scheduled', { i })));
  }
  await until('30 deliveries', () => received.length >= 30);
  await new Promise((r) => setTimeout(r, 300));
  expect(received).toEqual(expected);

  const holder = (await findWebhook(database.db, webhook.id))!.leaseOwner;
  expect(['instance-a', 'instance-b']).toContain(holder);
  const [first, second] = holder === 'instance-a' ? [a, b] : [b, a];
  await first.stop();
  expect((await findWebhook(database.db, webhook.id))!.leaseOwner).toBeNull();
  for (let i = 30; i < 40; i++) {
    expected.push(await database.write((tx) => appendEvent(tx, 'site-a', 'order.scheduled', { i })));
  }
  await until('40 deliveries', () => received.length >= 40);
  await new Promise((r) => setTimeout(r, 300));
  expect(received).toEqual(expected);
  expect((await findWebhook(database.db, webhook.id))!.leaseOwner).toBe(second.instanceId);
  await second.stop();
});
