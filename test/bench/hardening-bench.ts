import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fetch as undiciFetch, Agent } from 'undici';
import { OutboundGuard } from '@lightbox/pims-plugin/security/outbound-guard';
import { LightboxStack, TEST_API_KEY } from '../src/support/lightbox-stack.js';
import { waitUntil } from '../src/support/managed-process.js';
import { NpmStart } from '../src/support/npm-start.js';
import { freePort } from '../src/support/ports.js';
import { median, type BenchRow } from './bench-table.js';

const IDLE_MS = 10_000;
const RSS_BUDGET_MB = 150;

/** A process and everything under it, as /proc shows them now. */
function treeRssMb(pid: number): { mb: number; processes: string[] } {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    for (const task of safe(() => readdirSync(`/proc/${pids[i]}/task`), [])) {
      const kids = safe(() => readFileSync(`/proc/${pids[i]}/task/${task}/children`, 'utf8'), '');
      pids.push(...kids.split(' ').filter(Boolean).map(Number));
    }
  }
  let kb = 0;
  const processes: string[] = [];
  for (const p of pids) {
    const status = safe(() => readFileSync(`/proc/${p}/status`, 'utf8'), '');
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    processes.push(safe(() => readFileSync(`/proc/${p}/comm`, 'utf8').trim(), '?'));
  }
  return { mb: kb / 1024, processes };
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

function rssRow(measure: string, mb: number, processes: string[], budget: number | null): BenchRow {
  return {
    measure: `${measure} (${processes.join(', ')})`,
    median: `${mb.toFixed(0)} MB`,
    runs: '1',
    target: budget === null ? '—' : `≤ ${budget} MB`,
    verdict: budget === null ? '' : mb <= budget ? 'ok' : 'OVER',
  };
}

/** Idle RSS of the agent and the plugin, each as its own process tree, and of `npm start` whole. */
async function idleRss(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const stack = new LightboxStack();
  try {
    await stack.startAll();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const agent = treeRssMb(stack.agent.pid);
    const plugin = treeRssMb(stack.plugin.pid);
    rows.push(rssRow('idle agent RSS, its process tree', agent.mb, agent.processes, RSS_BUDGET_MB));
    rows.push(rssRow('idle plugin RSS, its process tree', plugin.mb, plugin.processes, RSS_BUDGET_MB));
  } finally {
    await stack.dispose();
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-rss-bench-'));
  const httpPort = await freePort();
  const start = new NpmStart({
    LIGHTBOX_DATA_DIR: dir,
    LIGHTBOX_HTTP_PORT: String(httpPort),
    LIGHTBOX_DICOM_HOST: '127.0.0.1',
    LIGHTBOX_DICOM_PORT: String(await freePort()),
    LIGHTBOX_API_KEY: TEST_API_KEY,
    LIGHTBOX_LOG_LEVEL: 'warn',
  }).start();
  try {
    await waitUntil(
      'npm start linked',
      async () => {
        const res = await fetch(`http://127.0.0.1:${httpPort}/v1/agents/agt_local`, {
          headers: { authorization: `Bearer ${TEST_API_KEY}` },
        }).catch(() => null);
        return res?.ok === true && ((await res.json()) as { connected: boolean }).connected;
      },
      90_000,
      250,
    );
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const all = treeRssMb(start.pid);
    rows.push(rssRow('idle npm start RSS, all its processes', all.mb, all.processes, null));
  } finally {
    await start.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/**
 * What the outbound check costs a webhook delivery: the same signed-size POSTs to a loopback
 * receiver, one at a time as a subscription sends them, through the guard (address checked on each
 * connection, redirects refused) and through a plain client.
 */
async function outboundCheckCost(): Promise<BenchRow[]> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // By name, so each new connection goes through the guard's lookup.
  const url = `http://localhost:${(server.address() as AddressInfo).port}/hook`;
  const body = JSON.stringify({ id: 'evt_x', type: 'order.completed', data: { orderId: 'ord_x' } });
  const headers = { 'content-type': 'application/json' };
  const guard = new OutboundGuard({ allowedRanges: ['127.0.0.0/8', '::1'] });
  const plain = new Agent();
  const N = 2_000;
  const rate = async (send: () => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await send();
    return N / ((performance.now() - t0) / 1000);
  };
  const guarded: number[] = [];
  const unguarded: number[] = [];
  try {
    for (let run = 0; run < 5; run++) {
      unguarded.push(
        await rate(async () => {
          const r = await undiciFetch(url, { method: 'POST', body, headers, dispatcher: plain });
          await r.arrayBuffer();
        }),
      );
      guarded.push(
        await rate(async () => {
          const r = await guard.fetch(url, { method: 'POST', body, headers });
          await r.arrayBuffer();
        }),
      );
    }
  } finally {
    await guard.close();
    await plain.close();
    server.close();
  }
  const g = median(guarded);
  const u = median(unguarded);
  const loss = (1 - g / u) * 100;
  return [
    {
      measure: 'webhook POSTs per second to loopback, through the outbound guard vs a plain client',
      median: `${g.toFixed(0)} vs ${u.toFixed(0)} (${loss >= 0 ? '-' : '+'}${Math.abs(loss).toFixed(1)}%)`,
      runs: `5 × ${N}`,
      target: '≤ 5% fewer',
      verdict: loss <= 5 ? 'ok' : 'OVER',
    },
  ];
}

export async function hardeningBench(): Promise<BenchRow[]> {
  return [...(await outboundCheckCost()), ...(await idleRss())];
}
