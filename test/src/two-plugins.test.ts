import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureOrders } from './fixtures/worklist-orders.js';
import { dumpToDicom, findscu } from './support/dcmtk.js';
import { worklistQueryDump } from './support/worklist-query.js';
import { LightboxStack, TEST_API_KEY } from './support/lightbox-stack.js';
import { ManagedProcess, waitUntil } from './support/managed-process.js';
import { PimsReceiver } from './support/pims-receiver.js';
import { freePort } from './support/ports.js';

/**
 * One site served by two plugin processes over one libsql database file, as a site runs them behind
 * a load balancer: the agent is linked to plugin A, the PIMS talks to plugin B. Both start at once
 * on an empty file, so their migrations and bootstraps contend for it too.
 */
const pluginAEnv: Record<string, string> = {};
const stack = new LightboxStack({ pluginEnv: pluginAEnv });
const databaseUrl = `file:${path.join(stack.dir, 'site.db')}`;
const shared = {
  LIGHTBOX_DATABASE_URL: databaseUrl,
  // Secrets sealed by one instance are opened by the other.
  LIGHTBOX_SECRET_KEY: randomBytes(32).toString('hex'),
  LIGHTBOX_OUTBOUND_ALLOW: '127.0.0.0/8',
  LIGHTBOX_WEBHOOK_POLL_MS: '500',
  LIGHTBOX_WEBHOOK_BACKOFF_MIN_MS: '100',
  LIGHTBOX_WEBHOOK_BACKOFF_MAX_MS: '500',
};
let pluginB: ManagedProcess;
let pluginBUrl = '';
const receiver = new PimsReceiver();
let n = 0;

function apiB(method: string, pathName: string, body?: unknown): Promise<Response> {
  return fetch(`${pluginBUrl}${pathName}`, {
    method,
    headers: {
      authorization: `Bearer ${TEST_API_KEY}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

/** A process's last log lines, for a failure message. */
const tail = (p: ManagedProcess) =>
  p.lines
    .slice(-10)
    .map((l) => l.raw)
    .join('\n') + p.stderr;

async function startPluginB(): Promise<void> {
  pluginB.start();
  await waitUntil('plugin B ready', async () => (await fetch(`${pluginBUrl}/health/ready`)).ok, 60_000).catch(
    (err: unknown) => {
      throw new Error(`${String(err)}\nplugin B: ${tail(pluginB)}`);
    },
  );
}

/** Posts an order to one of the plugins; returns what a modality finds it by and when it was answered. */
async function postOrder(to: 'A' | 'B'): Promise<{ orderId: string; accessionNumber: string; at: number }> {
  const body = { ...fixtureOrders[0]!.body, pimsOrderId: `TWO-${++n}` };
  const res =
    to === 'A' ? await stack.api('POST', '/v1/orders', body) : await apiB('POST', '/v1/orders', body);
  expect(res.status).toBe(201);
  return { ...((await res.json()) as { orderId: string; accessionNumber: string }), at: Date.now() };
}

// Built once: every poll is then one findscu association and nothing else.
let worklistQuery: Promise<string> | undefined;

/** The accession numbers in the agent's worklist as a console's query lists them, and when it had them. */
async function worklist(): Promise<{ accessions: string[]; at: number }> {
  worklistQuery ??= dumpToDicom(
    worklistQueryDump({ '(0008,0050) SH': '', '(0010,0010) PN': '' }, { '(0040,0009) SH': '' }),
  );
  const r = await findscu({ port: stack.dicomPort, queryFiles: [await worklistQuery] });
  if (r.finalStatuses[0] !== '0000') throw new Error(`worklist query failed: ${r.finalStatuses.join(',')}`);
  return { accessions: r.responses.map((x) => x.AccessionNumber as string), at: r.finishedAt };
}

type Envelope = { id: string; type: string; data: { orderId?: string } };

/** Every event of the site after `after`, read from plugin A's feed. */
async function feed(after = '0'): Promise<Envelope[]> {
  const items: Envelope[] = [];
  for (;;) {
    const res = await stack.api('GET', `/v1/events?after=${after}&limit=500`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: Envelope[]; next: string; hasMore: boolean };
    items.push(...page.items);
    after = page.next;
    if (!page.hasMore) return items;
  }
}

/**
 * Waits until the receiver has every event of `orderIds` that the feed holds, then a while longer
 * (several polls of both instances) for any second delivery, and checks each arrived exactly once.
 */
async function expectEachEventOnce(orderIds: string[]): Promise<void> {
  const ours = (e: Envelope) => e.data.orderId !== undefined && orderIds.includes(e.data.orderId);
  const expected = (await feed()).filter(ours).map((e) => e.id);
  expect(expected.length).toBeGreaterThanOrEqual(orderIds.length);
  await waitUntil(
    'every event delivered',
    () => Promise.resolve(expected.every((id) => receiver.accepted.some((r) => r.eventId === id))),
    20_000,
    20,
  );
  await new Promise((r) => setTimeout(r, 2_000));
  const received = receiver.requests.map((r) => r.eventId);
  for (const id of expected)
    expect(
      received.filter((x) => x === id),
      id,
    ).toHaveLength(1);
  // Nothing else arrived either: every delivery is an event of the feed, once.
  expect(new Set(received).size).toBe(received.length);
}

beforeAll(async () => {
  const portB = await freePort();
  pluginBUrl = `http://127.0.0.1:${portB}`;
  pluginB = new ManagedProcess('plugin B', 'pims-plugin/src/main.ts', {
    LIGHTBOX_HTTP_HOST: '127.0.0.1',
    LIGHTBOX_HTTP_PORT: String(portB),
    LIGHTBOX_DATA_DIR: path.join(stack.dir, 'plugin-b'),
    LIGHTBOX_API_KEY: TEST_API_KEY,
    LIGHTBOX_INSTANCE_ID: 'plugin-b',
    ...shared,
  });
  Object.assign(pluginAEnv, { LIGHTBOX_INSTANCE_ID: 'plugin-a', ...shared });
  // Both at once on an empty file: migrations and bootstraps meet.
  await Promise.all([stack.startPlugin(), startPluginB()]);
  await stack.registerAgent();
  await stack.startAgent();
  // Three processes bundled and started at once take a while on a loaded machine.
  await stack.waitLinked(60_000).catch((err: unknown) => {
    throw new Error(`${String(err)}\nagent: ${tail(stack.agent)}\nplugin A: ${tail(stack.plugin)}`);
  });
  await receiver.start();
}, 120_000);

afterAll(async () => {
  await pluginB.stop();
  await receiver.close();
  await stack.dispose();
});

describe('two plugin processes over one database', () => {
  it('an order posted to plugin B is in the worklist of the agent linked to plugin A within 1 s', async () => {
    // B has no link to the agent, yet knows it is connected: the database says so.
    const agent = (await (await apiB('GET', `/v1/agents/${stack.agentId}`)).json()) as { connected: boolean };
    expect(agent.connected).toBe(true);
    // The console has asked before: the agent answers, with nothing scheduled yet.
    expect((await worklist()).accessions).toEqual([]);
    const answered: number[] = [];
    const exited: number[] = [];
    for (let i = 0; i < 8; i++) {
      const order = await postOrder('B');
      const seen = await waitUntil(
        `${order.accessionNumber} in the worklist`,
        async () => {
          const w = await worklist();
          return w.accessions.includes(order.accessionNumber) && w;
        },
        5_000,
        5,
      );
      // The agent's answer to the first query that listed it (i + 1 items by then): when the
      // modality had it, without what starting and ending a findscu process costs on a busy machine.
      const answer = await stack.agent.waitForCode('worklist_answered', {
        where: (l) => Number(l.matches) >= i + 1 && Date.parse(String(l.t)) >= order.at,
      });
      answered.push(Date.parse(String(answer.t)) - order.at);
      exited.push(seen.at - order.at);
    }
    console.log(
      `order at plugin B → in the answer of plugin A's agent: ${answered.join(', ')} ms ` +
        `(findscu exited with it: ${exited.join(', ')} ms)`,
    );
    expect(Math.max(...answered), `answered after ${answered.join(', ')} ms`).toBeLessThan(1_000);
    // The link to A carried them: B never had the agent.
    expect(pluginB.linesWith('agent_linked')).toEqual([]);
    expect(stack.plugin.linesWith('agent_linked')).not.toEqual([]);
  });

  it('with both plugins running, a webhook gets each event exactly once, whichever plugin took the order', async () => {
    const res = await apiB('POST', '/v1/webhooks', {
      url: receiver.url,
      secret: 'two-plugins-webhook-secret',
    });
    expect(res.status).toBe(201);
    const orderIds: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { orderId } = await postOrder(i % 2 === 0 ? 'A' : 'B');
      orderIds.push(orderId);
      // Every third one is cancelled through the other plugin: two events per order from two places.
      if (i % 3 === 0) {
        const cancel = { reason: 'owner declined' };
        const r =
          i % 2 === 0
            ? await apiB('POST', `/v1/orders/${orderId}/cancel`, cancel)
            : await stack.api('POST', `/v1/orders/${orderId}/cancel`, cancel);
        expect(r.status).toBe(200);
      }
    }
    await expectEachEventOnce(orderIds);
    const types = new Set(receiver.requests.map((r) => (JSON.parse(r.body) as Envelope).type));
    expect(types).toEqual(new Set(['order.scheduled', 'order.cancelled']));
  });

  it('when the plugin delivering a subscription stops, the other carries on and nothing arrives twice', async () => {
    // B made the subscription and started delivering it at once, so B holds its lease.
    const before = receiver.requests.length;
    const orderIds: string[] = [];
    for (let i = 0; i < 10; i++) {
      orderIds.push((await postOrder('A')).orderId);
      if (i === 4) await pluginB.stop();
    }
    await expectEachEventOnce(orderIds);
    expect(receiver.requests.length - before).toBeGreaterThanOrEqual(10);
  });
});
