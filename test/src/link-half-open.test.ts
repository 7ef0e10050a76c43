import { afterAll, describe, expect, it } from 'vitest';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil, type LogLine } from './support/managed-process.js';

const HEARTBEAT_MS = 1_000;

/**
 * When the peer dropped the link, by its own log line's clock (the same machine's): when the test
 * process read the line also counts pipe and event-loop delays of a loaded machine.
 */
const droppedAt = (line: LogLine): number => Date.parse(line.t!);

/** A peer that stops answering without closing its socket (SIGSTOP) is noticed within two periods. */
describe('half-open link detection', () => {
  const stack = new LightboxStack({ heartbeatMs: HEARTBEAT_MS, reconnectMaxMs: 800 });
  afterAll(() => stack.dispose());

  it('the agent drops a frozen plugin within two heartbeat periods and relinks after SIGCONT', async () => {
    await stack.startAll();
    const from = stack.agent.lines.length;
    const frozenAt = Date.now();
    stack.plugin.signal('SIGSTOP');
    const dropped = await stack.agent.waitForCode('link_silent', { timeoutMs: 5_000, from });
    expect(droppedAt(dropped) - frozenAt).toBeLessThanOrEqual(2 * HEARTBEAT_MS);
    stack.plugin.signal('SIGCONT');
    await stack.agent.waitForCode('link_up', { timeoutMs: 20_000, from });
    await stack.waitLinked();
  });

  it('the plugin drops a frozen agent within two heartbeat periods and sees it again after SIGCONT', async () => {
    // A link relinked a moment ago (the test before) can still be dropped by a loaded machine's
    // stall (the limit is 1.5 periods): frozen only once it has lasted two periods, so the drop
    // waited for is the one the freeze causes.
    await new Promise((resolve) => setTimeout(resolve, 2 * HEARTBEAT_MS));
    await stack.waitLinked();
    const from = stack.plugin.lines.length;
    const frozenAt = Date.now();
    stack.agent.signal('SIGSTOP');
    const dropped = await stack.plugin.waitForCode('link_silent', {
      where: (l) => l.agentId === stack.agentId,
      timeoutMs: 5_000,
      from,
    });
    expect(droppedAt(dropped) - frozenAt).toBeLessThanOrEqual(2 * HEARTBEAT_MS);
    await waitUntil('agent shown as disconnected', async () => {
      const res = await stack.api('GET', `/v1/agents/${stack.agentId}`);
      return !((await res.json()) as { connected: boolean }).connected;
    });
    stack.agent.signal('SIGCONT');
    await stack.waitLinked();
    await stack.plugin.waitForCode('agent_linked', { timeoutMs: 20_000, from });
  });
});
