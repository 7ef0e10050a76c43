import { statSync } from 'node:fs';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOP, writeImage, type CorpusFile } from './fixtures/storage-corpus.js';
import { dumpToDicom, findscu } from './support/dcmtk.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { createOrder, nCreateAttributes, scheduledStepOf } from './support/mpps-fixtures.js';
import { sendMpps } from './support/mpps-sender.js';
import { freePort } from './support/ports.js';
import { storescu } from './support/storage-peers.js';

/**
 * `/metrics` on the plugin and on the agent's metrics port, read as Prometheus reads them (a
 * text-format parser), before and after real traffic: C-STOREs from DCMTK, a worklist query, an
 * MPPS N-CREATE, an order through the API.
 */
const stack = new LightboxStack();
let agentMetricsUrl = '';
const images: CorpusFile[] = [];

type Families = ReturnType<typeof parsePrometheusTextFormat>;
async function scrape(url: string): Promise<Families> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(await res.text());
}

/** The value of one sample: a counter or gauge by labels, or a histogram's count. */
function value(families: Families, name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (!family) return Number.NaN;
  const sample = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (!sample) return 0;
  return Number(sample.value ?? sample.count);
}

beforeAll(async () => {
  const metricsPort = await freePort();
  agentMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  await stack.startPlugin();
  await stack.registerAgent([{ aeTitle: 'DR1', modality: 'DX' }]);
  await stack.startAgent({ LIGHTBOX_METRICS_PORT: String(metricsPort) });
  await stack.waitLinked();
  for (const name of ['m1', 'm2']) {
    images.push(
      await writeImage(path.join(stack.dir, 'images'), {
        name,
        sopClassUid: SOP.dx,
        modality: 'DX',
        rows: 256,
        columns: 256,
        bitsAllocated: 16,
        photometric: 'MONOCHROME2',
      }),
    );
  }
}, 60_000);
afterAll(() => stack.dispose());

describe('/metrics', () => {
  it('moves with real DICOM and API traffic, on the agent and on the plugin', async () => {
    const agentBefore = await scrape(agentMetricsUrl);
    const pluginBefore = await scrape(`${stack.pluginUrl}/metrics`);
    expect(agentBefore.find((f) => f.name === 'lightbox_agent_cstore_total')?.type).toBe('COUNTER');
    expect(agentBefore.find((f) => f.name === 'lightbox_agent_cstore_seconds')?.type).toBe('HISTOGRAM');

    const order = await createOrder(stack, 'metrics');
    const sent = await storescu({ port: stack.dicomPort, files: images.map((f) => f.file) });
    expect(sent.responses).toEqual(['Success', 'Success']);
    const query = await dumpToDicom('(0010,0010) PN []\n(0008,0050) SH []\n');
    await waitUntil(
      'the order on the worklist',
      async () => (await findscu({ port: stack.dicomPort, queryFiles: [query] })).responses.length === 1,
      10_000,
    );
    const [mpps] = await sendMpps({ port: stack.dicomPort, callingAe: 'DR1' }, [
      { op: 'create', attributes: nCreateAttributes([scheduledStepOf(order)]) },
    ]);
    expect(mpps!.status).toBe(0);

    const agent = await scrape(agentMetricsUrl);
    const delta = (name: string, labels: Record<string, string> = {}): number =>
      value(agent, name, labels) - value(agentBefore, name, labels);
    expect(delta('lightbox_agent_cstore_total', { result: 'stored' })).toBe(2);
    expect(delta('lightbox_agent_cstore_seconds')).toBe(2);
    const datasetBytes = images.reduce((sum, f) => sum + statSync(f.file).size, 0);
    // The data sets, without the file meta groups the files on disk also carry.
    expect(delta('lightbox_agent_cstore_bytes_total')).toBeGreaterThan(datasetBytes - 2 * 1024);
    expect(delta('lightbox_agent_cstore_bytes_total')).toBeLessThanOrEqual(datasetBytes);
    expect(delta('lightbox_agent_associations_total', { result: 'accepted' })).toBeGreaterThanOrEqual(3);
    expect(delta('lightbox_agent_worklist_queries_total')).toBeGreaterThanOrEqual(1);
    expect(delta('lightbox_agent_worklist_answers_total')).toBeGreaterThanOrEqual(1);
    expect(delta('lightbox_agent_mpps_total', { operation: 'N-CREATE', status: 'IN PROGRESS' })).toBe(1);
    for (const gauge of [
      'lightbox_agent_outbox_depth',
      'lightbox_agent_outbox_lag_seconds',
      'lightbox_agent_delivery_depth',
      'lightbox_agent_render_queue_depth',
      'lightbox_agent_spool_free_bytes',
    ])
      expect(agent.find((f) => f.name === gauge)?.type).toBe('GAUGE');
    expect(value(agent, 'lightbox_agent_spool_free_bytes')).toBeGreaterThan(0);

    // The plugin applies what the agent sent: two instances and one MPPS.
    const plugin = await waitUntil(
      'the plugin to apply the link messages',
      async () => {
        const p = await scrape(`${stack.pluginUrl}/metrics`);
        return value(p, 'lightbox_plugin_link_messages_applied_total', { kind: 'instance.stored' }) >= 2 &&
          value(p, 'lightbox_plugin_link_messages_applied_total', { kind: 'mpps.changed' }) >= 1
          ? p
          : undefined;
      },
      20_000,
    );
    expect(
      value(plugin, 'lightbox_plugin_http_requests_total', { method: 'POST', status: '201' }) -
        value(pluginBefore, 'lightbox_plugin_http_requests_total', { method: 'POST', status: '201' }),
    ).toBe(1);
    expect(value(plugin, 'lightbox_plugin_agents_connected')).toBe(1);
    expect(plugin.find((f) => f.name === 'lightbox_plugin_outbox_lag_seconds')?.type).toBe('GAUGE');
    expect(plugin.find((f) => f.name === 'lightbox_plugin_webhook_attempts_total')?.type).toBe('COUNTER');
  });
});
