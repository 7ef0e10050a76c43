/**
 * What metrics and TLS cost in the field: CT ingest into the agent and durable link throughput,
 * with both off (plain HTTP link, no metrics) and on (the plugin terminating TLS with a certificate
 * from a CA made here by openssl, the agent verifying it; /metrics on the plugin and on the
 * agent's port, scraped during the runs as Prometheus would). Runs alternate between the two
 * setups; medians are compared, target ≤ 5% apart.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ctSliceSpec, writeImage } from '../src/fixtures/storage-corpus.js';
import { TEST_API_KEY } from '../src/support/lightbox-stack.js';
import { ManagedProcess, waitUntil } from '../src/support/managed-process.js';
import { freePort } from '../src/support/ports.js';
import { storescu } from '../src/support/storage-peers.js';
import { issueServerCert, makeCa } from '../src/support/test-ca.js';
import { median, printTable, type BenchRow } from './bench-table.js';

const RUNS = 3;
const SLICES = 100;
const PROBES = 2_000;

interface Setup {
  name: 'off' | 'on';
  plugin: ManagedProcess;
  agent: ManagedProcess;
  dicomPort: number;
  agentId: string;
  api(method: string, pathName: string, body?: unknown): Promise<{ status: number; body: string }>;
  scrape(): Promise<void>;
}

async function startSetup(name: 'off' | 'on', dir: string): Promise<Setup> {
  const on = name === 'on';
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const metricsPort = await freePort();
  const agentId = `agt_bench_${name}`;
  const token = randomBytes(24).toString('hex');
  const ca = on ? makeCa(dir, 'bench-ca') : undefined;
  const cert = ca ? issueServerCert(ca, 'bench-plugin') : undefined;
  const caPem = ca ? readFileSync(ca.cert, 'utf8') : undefined;
  const base = `${on ? 'https' : 'http'}://127.0.0.1:${httpPort}`;
  const plugin = new ManagedProcess(`plugin-${name}`, 'pims-plugin/src/main.ts', {
    LIGHTBOX_HTTP_HOST: '127.0.0.1',
    LIGHTBOX_HTTP_PORT: String(httpPort),
    LIGHTBOX_DATA_DIR: path.join(dir, 'plugin'),
    LIGHTBOX_API_KEY: TEST_API_KEY,
    LIGHTBOX_LOCAL_AGENT_ID: agentId,
    LIGHTBOX_LOCAL_AGENT_TOKEN: token,
    LIGHTBOX_HEARTBEAT_MS: '10000',
    LIGHTBOX_LOG_LEVEL: 'warn',
    LIGHTBOX_METRICS: on ? 'true' : 'false',
    ...(cert ? { LIGHTBOX_TLS_CERT_FILE: cert.cert, LIGHTBOX_TLS_KEY_FILE: cert.key } : {}),
  }).start();
  const agent = new ManagedProcess(`agent-${name}`, 'agent/src/main.ts', {
    LIGHTBOX_PLUGIN_URL: base,
    LIGHTBOX_AGENT_ID: agentId,
    LIGHTBOX_AGENT_TOKEN: token,
    LIGHTBOX_DICOM_HOST: '127.0.0.1',
    LIGHTBOX_DICOM_PORT: String(dicomPort),
    LIGHTBOX_DATA_DIR: path.join(dir, 'agent'),
    LIGHTBOX_LOG_LEVEL: 'warn',
    LIGHTBOX_RECONNECT_MAX_MS: '1000',
    ...(ca ? { LIGHTBOX_PLUGIN_CA_FILE: ca.cert, LIGHTBOX_METRICS_PORT: String(metricsPort) } : {}),
  }).start();
  const call = (url: string, method: string, body?: unknown) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = (url.startsWith('https') ? httpsRequest : httpRequest)(
        url,
        {
          method,
          headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
          ...(caPem ? { ca: caPem } : {}),
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  await waitUntil(
    `${name}: plugin ready`,
    async () => (await call(`${base}/health/ready`, 'GET')).status === 200,
    30_000,
  );
  const setup: Setup = {
    name,
    plugin,
    agent,
    dicomPort,
    agentId,
    api: (method, pathName, body) => call(`${base}${pathName}`, method, body),
    scrape: async () => {
      if (!on) return;
      await call(`${base}/metrics`, 'GET');
      await call(`http://127.0.0.1:${metricsPort}/metrics`, 'GET');
    },
  };
  await waitUntil(
    `${name}: agent linked`,
    async () =>
      (JSON.parse((await setup.api('GET', `/v1/agents/${agentId}`)).body) as { connected: boolean })
        .connected,
    30_000,
  );
  return setup;
}

/** While a run goes, Prometheus scrapes every second (far more often than its usual 15 s). */
async function whileScraped<T>(setup: Setup, work: () => Promise<T>): Promise<T> {
  const state = { scraping: true };
  const loop = (async () => {
    while (state.scraping) {
      await setup.scrape();
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  try {
    return await work();
  } finally {
    state.scraping = false;
    await loop;
  }
}

async function ctSeries(dir: string, n: number): Promise<string[]> {
  const studyInstanceUid = `2.25.${Date.now()}${process.pid}${n}`;
  const files: string[] = [];
  for (let i = 1; i <= SLICES; i++) {
    const f = await writeImage(path.join(dir, `ct-${n}`), {
      ...ctSliceSpec(`ct-${i}`, 256),
      studyInstanceUid,
      seriesInstanceUid: `${studyInstanceUid}.1`,
      sopInstanceUid: `${studyInstanceUid}.1.${i}`,
      instanceNumber: i,
    });
    files.push(f.file);
  }
  return files;
}

async function ingestRate(setup: Setup, files: string[]): Promise<number> {
  return whileScraped(setup, async () => {
    const started = performance.now();
    const r = await storescu({ port: setup.dicomPort, files, args: ['-xs'] });
    const seconds = (performance.now() - started) / 1000;
    if (r.responses.length !== files.length || r.responses.some((s) => s !== 'Success'))
      throw new Error(`${setup.name}: storescu did not store every slice`);
    return files.length / seconds;
  });
}

async function linkRate(setup: Setup): Promise<number> {
  return whileScraped(setup, async () => {
    const started = performance.now();
    const res = await setup.api('POST', `/v1/agents/${setup.agentId}/probes`, { count: PROBES });
    const { probeId } = JSON.parse(res.body) as { probeId: string };
    await waitUntil(
      'all replies',
      async () =>
        (
          JSON.parse((await setup.api('GET', `/v1/agents/${setup.agentId}/probes/${probeId}`)).body) as {
            replies: number;
          }
        ).replies >= PROBES,
      120_000,
      20,
    );
    return (2 * PROBES) / ((performance.now() - started) / 1000);
  });
}

function comparison(measure: string, off: number[], on: number[]): BenchRow[] {
  const mOff = median(off);
  const mOn = median(on);
  const apart = (Math.abs(mOff - mOn) / mOff) * 100;
  return [
    {
      measure: `${measure}, metrics and TLS off`,
      median: mOff.toFixed(0),
      runs: off.map((v) => v.toFixed(0)).join(', '),
      target: '',
      verdict: '',
    },
    {
      measure: `${measure}, metrics and TLS on`,
      median: mOn.toFixed(0),
      runs: on.map((v) => v.toFixed(0)).join(', '),
      target: `within 5% of off (${apart.toFixed(1)}% apart)`,
      verdict: apart <= 5 ? 'met' : 'MISSED',
    },
  ];
}

export async function fieldBench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-field-bench-'));
  const setups: Setup[] = [];
  try {
    for (const name of ['off', 'on'] as const) {
      const sub = path.join(dir, name);
      mkdirSync(sub, { recursive: true });
      setups.push(await startSetup(name, sub));
    }
    const series: string[][] = [];
    for (let i = 0; i < 2 * (RUNS + 1); i++) series.push(await ctSeries(path.join(dir, 'images'), i));
    const ingest: Record<string, number[]> = { off: [], on: [] };
    const link: Record<string, number[]> = { off: [], on: [] };
    for (const s of setups) {
      await ingestRate(s, series.pop()!); // warm-up
      await linkRate(s);
    }
    for (let run = 0; run < RUNS; run++) {
      // Alternating, and starting with the other setup each run: neither always goes first.
      const order = run % 2 === 0 ? setups : [...setups].reverse();
      for (const s of order) ingest[s.name]!.push(await ingestRate(s, series.pop()!));
      for (const s of order) link[s.name]!.push(await linkRate(s));
    }
    return [
      ...comparison(`CT ingest, ${SLICES} slices 256² by storescu, instances/s`, ingest.off!, ingest.on!),
      ...comparison(`durable link, messages/s acknowledged (${PROBES} probes each way)`, link.off!, link.on!),
    ];
  } finally {
    for (const s of setups) {
      await s.agent.stop();
      await s.plugin.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url.endsWith(path.basename(process.argv[1] ?? '-'))) {
  printTable(await fieldBench());
}
