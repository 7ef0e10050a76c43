import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { openDatabase, type Database } from '../db/database.js';
import { auditLog } from '../db/schema.js';
import { appendEvent } from '../events/event-store.js';
import { createLogger } from '../log.js';
import { FakeClock } from './fake-clock.js';
import { OutboundGuard } from '../security/outbound-guard.js';
import { SecretBox } from '../security/secret-box.js';
import { WebhookDispatcher, type WebhookSettings } from './webhook-dispatcher.js';
import { createWebhook, findWebhook, listDeliveries, resumeWebhook } from './webhook-store.js';

/** The receiver listens on loopback, which a site must allow explicitly. */
const security = {
  outbound: new OutboundGuard({ allowedRanges: ['127.0.0.0/8'] }),
  secrets: SecretBox.withKey(randomBytes(32)),
};
/**
 * A PIMS down for a whole day, lived through with a fake clock against a real HTTP receiver: the
 * worker retries with growing waits for 24 hours, marks the subscription failed, and a resume
 * delivers everything from the event it gave up on, in order, once.
 */
const DAY = 86_400_000;
const settings: WebhookSettings = {
  timeoutMs: 2_000,
  backoffMinMs: 1_000,
  backoffMaxMs: 3_600_000,
  retryForMs: DAY,
  // Far beyond the test's day, so the only other pending timer is the poll's.
  pollMs: 10 * DAY,
};
const SECRET = 'outage-secret';

let dir: string;
let database: Database;
let server: Server;
let url: string;
let up = false;
const accepted: { id: string; body: string; signature: string }[] = [];
let refused = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lightbox-webhook-outage-'));
  database = await openDatabase(`file:${path.join(dir, 'plugin.db')}`);
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (!up) {
        refused++;
        res.writeHead(503).end('down for maintenance');
        return;
      }
      accepted.push({
        id: String(req.headers['lightbox-event-id']),
        body,
        signature: String(req.headers['lightbox-signature']),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, probe: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A webhook worker on this file's database and receiver, started, on the given clock. */
async function startedDispatcher(clock: FakeClock, random?: () => number): Promise<WebhookDispatcher> {
  const dispatcher = new WebhookDispatcher({
    ...security,
    database,
    log: createLogger('error'),
    settings,
    clock,
    ...(random ? { random } : {}),
  });
  await dispatcher.start();
  return dispatcher;
}

const append = (siteId: string, orderId: string) =>
  database.write((tx) => appendEvent(tx, siteId, 'order.completed', { orderId, reason: 'mpps' }));

describe('a subscriber down for 24 hours', () => {
  it('is retried with growing waits for the retry period, then marked failed; resuming delivers all in order', async () => {
    const clock = new FakeClock();
    const webhook = await createWebhook(database, security.secrets, 'site-a', { url, secret: SECRET });
    const dispatcher = await startedDispatcher(clock);
    const expected = [await append('site-a', 'o1'), await append('site-a', 'o2')];
    await append('site-b', 'not-yours');

    // Each step: the loop has failed and waits on its backoff timer (beside the poll's); jump to it.
    const failed = async () => (await findWebhook(database.db, webhook.id))?.status === 'failed';
    for (let step = 0; step < 200 && !(await failed()); step++) {
      await until(
        'the next retry to be scheduled, or the give-up',
        async () => clock.pendingTimers === 2 || (await failed()),
      );
      if (clock.pendingTimers === 2) clock.advance(clock.nextTimerAt()! - clock.now());
      if (step === 10) expected.push(await append('site-a', 'o3'));
    }
    expect(await failed()).toBe(true);
    expect(accepted).toEqual([]);

    const log = (await listDeliveries(database.db, webhook.id, { limit: 500 })).items.reverse();
    expect(log.length).toBe(refused);
    // 1 s doubling to the 1 h cap, then every 30-60 min: some 35 to 58 attempts in the day.
    expect(log.length).toBeGreaterThanOrEqual(30);
    expect(log.length).toBeLessThanOrEqual(60);
    expect(new Set(log.map((d) => d.eventId))).toEqual(new Set([expected[0]]));
    // The status and a classified reason; never the receiver's words, which would let a subscription
    // read whatever answers at its URL.
    expect(log.every((d) => d.statusCode === 503 && d.error === 'http_status: HTTP 503')).toBe(true);
    expect(JSON.stringify(log)).not.toContain('maintenance');
    expect(log.map((d) => d.attempt)).toEqual(log.map((_, i) => i + 1));
    expect(log.at(-1)!.outcome).toBe('gave_up');
    expect(log.slice(0, -1).every((d) => d.outcome === 'retrying')).toBe(true);
    const times = log.map((d) => Date.parse(d.at));
    expect(times.at(-1)! - times[0]!).toBe(DAY);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    for (let i = 1; i < 10; i++) expect(gaps[i]!).toBeGreaterThanOrEqual(gaps[i - 1]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(settings.backoffMaxMs);
    const state = (await findWebhook(database.db, webhook.id))!;
    expect(state.lastError).toContain('503');
    expect(state.failedAt).not.toBeNull();
    expect(dispatcher.running).toBe(0);

    // The PIMS is back and someone resumes the subscription: from the event it gave up on.
    up = true;
    await resumeWebhook(database, 'site-a', webhook.id, { type: 'staff', id: 'acct_1', name: 'Maria' });
    // The resume and its audit entry commit together.
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.resumed'));
    expect(audit.map((a) => [a.actorName, a.subjectId])).toEqual([['Maria', webhook.id]]);
    dispatcher.subscriptionsChanged();
    await until('the backlog to arrive', () => accepted.length >= expected.length);
    await new Promise((r) => setTimeout(r, 100));
    expect(accepted.map((a) => a.id)).toEqual(expected);
    for (const a of accepted) {
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(a.signature)!;
      expect(createHmac('sha256', SECRET).update(`${t}.${a.body}`).digest('hex')).toBe(v1);
      expect((JSON.parse(a.body) as { id: string }).id).toBe(a.id);
    }
    expect((await findWebhook(database.db, webhook.id))!.status).toBe('active');
    await dispatcher.stop();
  });

  it('keeps its retry schedule over a restart of the worker instead of retrying at once', async () => {
    up = false;
    accepted.length = 0;
    const clock = new FakeClock();
    const webhook = await createWebhook(database, security.secrets, 'site-c', { url, secret: SECRET });
    const first = await startedDispatcher(clock, () => 1);
    const id = await append('site-c', 'r1');
    await until(
      'the first failure',
      async () => (await findWebhook(database.db, webhook.id))!.attempts === 1,
    );
    await first.stop();
    const before = refused;

    const second = await startedDispatcher(clock, () => 1);
    await until('the retry to be scheduled', () => clock.pendingTimers >= 2);
    expect(refused).toBe(before);
    up = true;
    clock.advance(clock.nextTimerAt()! - clock.now());
    await until('the retry', () => accepted.length === 1);
    expect(accepted[0]!.id).toBe(id);
    // The receiver has the body before the worker has read its 204 and logged the attempt.
    const deliveries = async () => (await listDeliveries(database.db, webhook.id, { limit: 10 })).items;
    await until('the delivery to be logged', async () => (await deliveries()).length === 2);
    const log = (await deliveries()).reverse();
    expect(log.map((d) => [d.attempt, d.outcome])).toEqual([
      [1, 'retrying'],
      [2, 'delivered'],
    ]);
    expect(Date.parse(log[1]!.at) - Date.parse(log[0]!.at)).toBe(settings.backoffMinMs);
    await second.stop();
  });
});
