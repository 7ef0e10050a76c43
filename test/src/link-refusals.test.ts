import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LightboxStack } from './support/lightbox-stack.js';
import { agentLinkingTo } from './support/link-agent.js';
import { waitUntil } from './support/managed-process.js';
import { freePort } from './support/ports.js';

describe('refused links', () => {
  const stack = new LightboxStack({ heartbeatMs: 1_000 });
  beforeAll(async () => {
    await stack.startPlugin();
    await stack.registerAgent();
  });
  afterAll(() => stack.dispose());

  it('a wrong agent token gets 401 before the upgrade; the agent says so and backs off', async () => {
    await stack.startAgent({
      LIGHTBOX_AGENT_TOKEN: 'lbx_agt_this-is-not-the-token',
      LIGHTBOX_RECONNECT_MAX_MS: '4000',
    });
    const refusal = await stack.agent.waitForCode('link_refused');
    expect(refusal).toMatchObject({ level: 'error', reason: 'token' });
    await waitUntil('status file says unauthorized', () => {
      const status = JSON.parse(readFileSync(path.join(stack.dir, 'agent', 'status.json'), 'utf8')) as {
        link: string;
      };
      return Promise.resolve(status.link === 'unauthorized');
    });
    const watchFrom = Date.now();
    await new Promise((r) => setTimeout(r, 5_000));
    const attempts = stack.plugin.lines.filter(
      (l) => l.path === '/v1/agents/link' && l.status === 401 && l.receivedAt >= watchFrom,
    ).length;
    // Backing off to the 4 s cap means at most two attempts in five seconds, not a hammering loop.
    expect(attempts).toBeLessThanOrEqual(2);
    await stack.agent.stop();
  });

  it('a protocol version the plugin does not speak closes the link with a named reason', async () => {
    const { code, reason } = await helloAndClose(stack, { protocolVersion: 99, agentVersion: '9.9.9' });
    expect(code).toBe(4001);
    expect(reason).toMatch(/incompatible protocol: plugin speaks 1, agent speaks 99/);
    const logged = await stack.plugin.waitForCode('agent_refused');
    expect(String(logged.reason)).toMatch(/incompatible protocol/);
  });

  it('a hello claiming more than the plugin ever sent closes the link, naming why, and changes nothing', async () => {
    const { code, reason } = await helloAndClose(stack, { lastReceivedSeq: 1e15 });
    expect(code).toBe(4002);
    expect(reason).toMatch(/^lastReceivedSeq 1000000000000000 is ahead of all this side sent \(\d+\)$/);
    const agent = (await (await stack.api('GET', `/v1/agents/${stack.agentId}`)).json()) as {
      sequence: { lastSentToAgent: number; lastAcknowledgedByAgent: number };
    };
    expect(agent.sequence.lastSentToAgent).toBeLessThan(1e15);
    expect(agent.sequence.lastAcknowledgedByAgent).toBeLessThan(1e15);
  });

  it('an agent facing a plugin of another protocol version closes with a named reason and logs it', async () => {
    // A plugin of a future version is not available here, so this one speaks only its welcome.
    const port = await freePort();
    const future = new WebSocketServer({ host: '127.0.0.1', port });
    const closes: { code: number; reason: string }[] = [];
    future.on('connection', (ws) => {
      ws.on('message', () => {
        ws.send(
          JSON.stringify({
            type: 'welcome',
            protocolVersion: 2,
            lastReceivedSeq: 0,
            outboxFloorSeq: 0,
            config: { heartbeatMs: 1000 },
          }),
        );
      });
      ws.on('close', (code, reason) => closes.push({ code, reason: reason.toString() }));
    });
    const agent = await agentLinkingTo('agent-v-future', port, path.join(stack.dir, 'agent-future'), {
      LIGHTBOX_AGENT_ID: 'agt_future',
    });
    try {
      const logged = await agent.waitForCode('link_refused');
      expect(logged).toMatchObject({
        reason: 'protocol',
        detail: 'incompatible protocol: agent speaks 1, plugin speaks 2',
      });
      await waitUntil('close seen by the other side', () => Promise.resolve(closes.length > 0));
      expect(closes[0]).toEqual({
        code: 4001,
        reason: 'incompatible protocol: agent speaks 1, plugin speaks 2',
      });
    } finally {
      await agent.stop();
      future.close();
    }
  });
});

/**
 * A hand-made agent of the stack that opens the link with a hello (the current protocol's, changed by
 * `overrides`) and waits for the plugin to close it.
 */
async function helloAndClose(
  stack: LightboxStack,
  overrides: Record<string, unknown>,
): Promise<{ code: number; reason: string }> {
  const hello = {
    protocolVersion: 1,
    agentId: stack.agentId,
    agentVersion: '0.1.0',
    lastReceivedSeq: 0,
    outboxFloorSeq: 0,
    ...overrides,
  };
  const ws = new WebSocket(`${stack.pluginUrl.replace('http', 'ws')}/v1/agents/link`, {
    headers: { authorization: `Bearer ${stack.agentToken}` },
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.send(JSON.stringify({ type: 'hello', ...hello }));
  return closed;
}
