import { createClient } from '@libsql/client';
import { afterAll, describe, expect, it } from 'vitest';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';

/**
 * The link's promise: a message that changes state takes effect exactly once, in order, whatever
 * happens to the processes. Probes go plugin→agent; each applied probe makes the agent send a reply
 * agent→plugin through its own outbox. Both processes are SIGKILLed while messages are in flight.
 */
describe('durable link under SIGKILL', () => {
  const stack = new LightboxStack({ heartbeatMs: 1_000, reconnectMaxMs: 800 });
  afterAll(() => stack.dispose());

  it('applies 1,000 messages each way exactly once, in order, across 3 agent and 2 plugin kills', async () => {
    await stack.startAll();
    const batches = 10;
    const perBatch = 100;
    const kills: ('agent' | 'plugin')[] = ['agent', 'plugin', 'agent', 'plugin', 'agent'];
    const probeIds: string[] = [];
    let killsMidStream = 0;
    const repliesSoFar = async () => {
      let replies = 0;
      for (const id of probeIds) {
        const res = await stack.api('GET', `/v1/agents/${stack.agentId}/probes/${id}`);
        replies += ((await res.json()) as { replies: number }).replies;
      }
      return replies;
    };

    // Replies applied at the plugin so far, read from its database file: the plugin may be down.
    const repliesInPluginDb = async () => {
      const db = createClient({ url: `file:${stack.pluginDbFile}` });
      try {
        return Number((await db.execute('SELECT count(*) AS n FROM probe_replies')).rows[0]!.n);
      } finally {
        db.close();
      }
    };

    for (let b = 0; b < batches; b++) {
      const victim = kills[b];
      // Each kill hits a live, linked pair with the batch under way: linked before the batch is sent,
      // killed 0–8 ms after the plugin has accepted it. A batch drains in a few tens of ms, so waiting
      // for the link after sending it would let the whole batch through before the kill.
      if (victim !== undefined) await stack.waitLinked();
      const probeId = await waitUntil('probe accepted', async () => {
        const res = await stack.api('POST', `/v1/agents/${stack.agentId}/probes`, { count: perBatch });
        return res.status === 202 ? ((await res.json()) as { probeId: string }).probeId : null;
      });
      probeIds.push(probeId);
      if (victim === undefined) continue;
      await new Promise((r) => setTimeout(r, b * 2));
      const expected = probeIds.length * perBatch;
      // Counted after the kill, so nothing can still complete the batch between count and kill.
      if (victim === 'agent') {
        await stack.agent.kill();
        if ((await repliesSoFar()) < expected) killsMidStream++;
        stack.agent.start();
      } else {
        await stack.plugin.kill();
        if ((await repliesInPluginDb()) < expected) killsMidStream++;
        stack.plugin.start();
        await stack.waitPluginReady();
      }
    }

    const total = batches * perBatch;
    await waitUntil(
      'every reply applied at the plugin',
      async () => (await repliesSoFar()) >= total,
      60_000,
      250,
    );
    // Give any erroneous duplicate a chance to show up before counting.
    await new Promise((r) => setTimeout(r, 1_500));
    await stack.stop();

    const order = new Map(probeIds.map((id, i) => [id, i]));
    const key = (probeId: string, n: number) => order.get(probeId)! * perBatch + n;

    // Plugin→agent: the agent's journal holds each probe once, applied once, in sending order.
    const agentDb = createClient({ url: `file:${stack.agentDbFile}` });
    const applied = await agentDb.execute('SELECT probe_id, n, applied_count FROM probes ORDER BY in_seq');
    agentDb.close();
    expect(applied.rows.length).toBe(total);
    expect(applied.rows.every((r) => r.applied_count === 1)).toBe(true);
    const agentKeys = applied.rows.map((r) => key(r.probe_id as string, Number(r.n)));
    expect(agentKeys).toEqual([...agentKeys].sort((a, b) => a - b));
    expect(new Set(agentKeys).size).toBe(total);

    // Agent→plugin: one reply row per probe, none repeated, in the agent's sending order.
    const pluginDb = createClient({ url: `file:${stack.pluginDbFile}` });
    const replies = await pluginDb.execute(
      'SELECT probe_id, n, applied_count FROM probe_replies ORDER BY in_seq',
    );
    const outbox = await pluginDb.execute('SELECT count(*) AS n FROM agent_outbox');
    pluginDb.close();
    expect(replies.rows.length).toBe(total);
    expect(replies.rows.every((r) => r.applied_count === 1)).toBe(true);
    const pluginKeys = replies.rows.map((r) => key(r.probe_id as string, Number(r.n)));
    expect(pluginKeys).toEqual(agentKeys);
    expect(Number(outbox.rows[0]!.n)).toBe(0);

    // The kills really happened, with messages in flight: the agent started four times, the plugin three.
    expect(killsMidStream).toBeGreaterThanOrEqual(3);
    // Replays start exactly after the peer's last applied number, so a gap never has to be repaired.
    const gaps = [
      ...stack.agent.linesWith('link_sequence_gap'),
      ...stack.plugin.linesWith('link_sequence_gap'),
    ];
    expect(gaps).toEqual([]);
    expect(stack.agent.starts).toBe(4);
    expect(stack.plugin.starts).toBe(3);
  }, 180_000);
});
