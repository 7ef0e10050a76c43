import { createClient } from '@libsql/client';
import { LightboxStack } from '../src/support/lightbox-stack.js';
import { waitUntil } from '../src/support/managed-process.js';
import { median, type BenchRow } from './bench-table.js';

const RUNS = 3;
const PROBES = 5_000;

async function probeReplies(stack: LightboxStack, probeId: string): Promise<number> {
  const res = await stack.api('GET', `/v1/agents/${stack.agentId}/probes/${probeId}`);
  return ((await res.json()) as { replies: number }).replies;
}

/**
 * Durable link throughput: N probes plugin→agent, each answered agent→plugin, every one written to
 * the sender's outbox and applied in a transaction on the receiver. 2N messages acknowledged.
 */
async function throughput(stack: LightboxStack): Promise<number> {
  const started = performance.now();
  const res = await stack.api('POST', `/v1/agents/${stack.agentId}/probes`, { count: PROBES });
  const { probeId } = (await res.json()) as { probeId: string };
  await waitUntil('all replies', async () => (await probeReplies(stack, probeId)) >= PROBES, 120_000, 20);
  const seconds = (performance.now() - started) / 1000;
  return (2 * PROBES) / seconds;
}

/** From the link returning (the agent's welcome) to the first replayed message applied on the agent. */
async function replayLatency(stack: LightboxStack): Promise<number> {
  await stack.agent.kill('SIGKILL');
  const res = await stack.api('POST', `/v1/agents/${stack.agentId}/probes`, { count: 200 });
  const { probeId } = (await res.json()) as { probeId: string };
  const from = stack.agent.lines.length;
  stack.agent.start();
  const linked = await stack.agent.waitForCode('link_up', { timeoutMs: 30_000, from });
  await waitUntil('replayed', async () => (await probeReplies(stack, probeId)) >= 200, 30_000, 20);
  const db = createClient({ url: `file:${stack.agentDbFile}` });
  const first = await db.execute({
    sql: 'SELECT min(created_at) AS t FROM probes WHERE probe_id = ?',
    args: [probeId],
  });
  db.close();
  return Date.parse(first.rows[0]!.t as string) - Date.parse(String(linked.t));
}

export async function linkBench(): Promise<BenchRow[]> {
  const stack = new LightboxStack({
    heartbeatMs: 10_000,
    reconnectMaxMs: 1_000,
    pluginEnv: { LIGHTBOX_LOG_LEVEL: 'warn' },
  });
  try {
    await stack.startAll();
    await throughput(stack); // warm-up
    const rates: number[] = [];
    for (let i = 0; i < RUNS; i++) rates.push(await throughput(stack));
    const latencies: number[] = [];
    for (let i = 0; i < RUNS; i++) latencies.push(await replayLatency(stack));
    const rate = median(rates);
    const latency = median(latencies);
    return [
      {
        measure: `durable link, messages/s acknowledged (${PROBES} each way, one agent)`,
        median: rate.toFixed(0),
        runs: rates.map((r) => r.toFixed(0)).join(', '),
        target: '>= 2000',
        verdict: rate >= 2000 ? 'met' : 'MISSED',
      },
      {
        measure: 'link back → first replayed message applied, ms',
        median: latency.toFixed(0),
        runs: latencies.map((r) => r.toFixed(0)).join(', '),
        target: '< 1000',
        verdict: latency < 1000 ? 'met' : 'MISSED',
      },
    ];
  } finally {
    await stack.dispose();
  }
}
