import path from 'node:path';
import { createClient } from '@libsql/client';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LightboxStack } from './support/lightbox-stack.js';
import { agentLinkingTo } from './support/link-agent.js';
import { waitUntil } from './support/managed-process.js';
import { freePort } from './support/ports.js';

type Frame = { type: string; code?: string; [k: string]: unknown };

/** Collects the frames a socket receives, to wait for a specific one. */
function frameCollector(ws: WebSocket) {
  const frames: Frame[] = [];
  ws.on('message', (d) => frames.push(JSON.parse((d as Buffer).toString('utf8')) as Frame));
  return {
    frames,
    next: (pred: (f: Frame) => boolean) =>
      waitUntil('frame', () => Promise.resolve(frames.find(pred)), 5_000, 20),
  };
}

const garbage: { name: string; send: string; code: string }[] = [
  { name: 'not JSON', send: '{"type": "msg", nope', code: 'invalid-json' },
  { name: 'unknown frame type', send: '{"type":"launch-missiles"}', code: 'unknown-frame-type' },
  { name: 'schema violation', send: '{"type":"msg","seq":"one","body":{}}', code: 'schema-violation' },
  {
    name: 'unknown message kind',
    send: '{"type":"msg","seq":1,"body":{"kind":"drop.tables"}}',
    code: 'schema-violation',
  },
];

describe('malformed frames to the plugin', () => {
  const stack = new LightboxStack({ heartbeatMs: 2_000 });
  beforeAll(async () => {
    await stack.startPlugin();
    await stack.registerAgent();
  });
  afterAll(() => stack.dispose());

  async function dumpLinkTables(): Promise<string> {
    const db = createClient({ url: `file:${stack.pluginDbFile}` });
    const rows = await Promise.all(
      ['agent_link_state', 'agent_outbox', 'agent_dead_letters', 'probe_replies'].map(
        async (t) => (await db.execute(`SELECT * FROM ${t}`)).rows,
      ),
    );
    db.close();
    return JSON.stringify(rows);
  }

  it('answers each with a typed error, refuses a 10 MB frame, and changes nothing', async () => {
    const before = await dumpLinkTables();
    const ws = new WebSocket(`${stack.pluginUrl.replace('http', 'ws')}/v1/agents/link`, {
      headers: { authorization: `Bearer ${stack.agentToken}` },
    });
    const rx = frameCollector(ws);
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocolVersion: 1,
        agentId: stack.agentId,
        agentVersion: 'test',
        lastReceivedSeq: 0,
        outboxFloorSeq: 0,
      }),
    );
    await rx.next((f) => f.type === 'welcome');
    for (const g of garbage) {
      const seen = rx.frames.length;
      ws.send(g.send);
      const err = await waitUntil(g.name, () =>
        Promise.resolve(rx.frames.slice(seen).find((f) => f.type === 'error')),
      );
      expect(err.code, g.name).toBe(g.code);
    }
    // A message out of sequence is refused rather than applied: the link is reset.
    ws.send(
      JSON.stringify({
        type: 'msg',
        seq: 7,
        body: { kind: 'probe.reply', probeId: 'x', n: 0, appliedCount: 1 },
      }),
    );
    expect((await rx.next((f) => f.type === 'error' && f.code === 'sequence-gap')).code).toBe('sequence-gap');
    expect(await closed).toBe(4004);

    const ws2 = new WebSocket(`${stack.pluginUrl.replace('http', 'ws')}/v1/agents/link`, {
      headers: { authorization: `Bearer ${stack.agentToken}` },
    });
    await new Promise((resolve) => ws2.once('open', resolve));
    const closed2 = new Promise<number>((resolve) => ws2.once('close', (code) => resolve(code)));
    ws2.on('error', () => undefined);
    ws2.send('x'.repeat(10 * 1024 * 1024));
    expect(await closed2).toBe(1009);

    expect((await fetch(`${stack.pluginUrl}/health/ready`)).ok).toBe(true);
    expect(stack.plugin.running).toBe(true);
    expect(await dumpLinkTables()).toBe(before);
  });
});

describe('malformed frames to the agent', () => {
  it('answers each with a typed error, drops a 10 MB frame, lives on and changes nothing', async () => {
    // The real plugin never sends garbage, so a stand-in plays the plugin's side here.
    const port = await freePort();
    const server = new WebSocketServer({ host: '127.0.0.1', port });
    const received: Frame[] = [];
    const closes: number[] = [];
    let connections = 0;
    server.on('connection', (ws) => {
      connections++;
      const mine = connections;
      ws.on('message', (d) => {
        const f = JSON.parse((d as Buffer).toString('utf8')) as Frame;
        received.push(f);
        if (f.type !== 'hello') return;
        ws.send(
          JSON.stringify({
            type: 'welcome',
            protocolVersion: 1,
            lastReceivedSeq: 0,
            outboxFloorSeq: 0,
            config: { heartbeatMs: 2_000 },
          }),
        );
        if (mine === 1) for (const g of garbage) ws.send(g.send);
        if (mine === 1) setTimeout(() => ws.send('y'.repeat(10 * 1024 * 1024)), 500);
      });
      ws.on('close', (code) => closes.push(code));
    });
    const dir = path.join((await import('node:os')).tmpdir(), `lightbox-agent-garbage-${port}`);
    const agent = await agentLinkingTo('agent', port, dir, {
      LIGHTBOX_AGENT_ID: 'agt_garbage',
      LIGHTBOX_RECONNECT_MAX_MS: '500',
    });
    try {
      await waitUntil('all typed errors back', () =>
        Promise.resolve(received.filter((f) => f.type === 'error').length >= garbage.length),
      );
      expect(received.filter((f) => f.type === 'error').map((f) => f.code)).toEqual(
        garbage.map((g) => g.code),
      );
      await waitUntil('the 10 MB frame closed the link', () => Promise.resolve(closes.includes(1009)));
      await waitUntil('the agent dialled again', () => Promise.resolve(connections >= 2), 10_000);
      expect(agent.running).toBe(true);
      await agent.stop();
      const db = createClient({ url: `file:${path.join(dir, 'agent.db')}` });
      const state = await db.execute('SELECT last_in_seq, last_out_seq FROM link_state');
      const probes = await db.execute('SELECT count(*) AS n FROM probes');
      db.close();
      expect(state.rows[0]).toMatchObject({ last_in_seq: 0, last_out_seq: 0 });
      expect(probes.rows[0]).toMatchObject({ n: 0 });
    } finally {
      await agent.stop();
      server.close();
    }
  });
});
