import type { EchoRequestMessage, EchoResultMessage, EchoTarget } from '@lightbox/protocol';
import type { AgentDatabase } from '../db/agent-database.js';
import { echoPeer, type EchoResult } from '../dicom/echo-peer.js';
import type { Logger } from '../log.js';
import { enqueueForPlugin } from '../outbox/outbox-to-plugin.js';

export interface EchoOnRequestOptions {
  database: AgentDatabase;
  /** The agent's AE title: what it calls itself to the peer. */
  aeTitle: string;
  targets: () => EchoTarget[];
  /** The result is in the outbox: send it now. */
  wake: () => void;
  log: Logger;
  timeoutMs?: number;
  echo?: typeof echoPeer;
}

/**
 * Runs a C-ECHO the plugin asked for, after the request's transaction committed (a DICOM round trip
 * must not hold the journal), and answers through the outbox. Only a target from the agent's own
 * configuration is dialled. A crash between the two loses the answer, never applies anything
 * twice: the plugin then shows the request as unanswered.
 */
export class EchoOnRequest {
  constructor(private readonly opts: EchoOnRequestOptions) {}

  run(request: EchoRequestMessage): Promise<void> {
    return this.answer(request).catch((err: unknown) => {
      this.opts.log.warn('could not answer an echo request', { echoId: request.echoId, err: String(err) });
    });
  }

  private async answer(request: EchoRequestMessage): Promise<void> {
    const target = this.opts.targets().find((t) => t.id === request.target);
    let result: EchoResult;
    if (Date.parse(request.notAfter) < Date.now()) {
      result = { ok: false, reason: 'the request reached the agent too late and was not run' };
    } else if (!target) {
      result = { ok: false, reason: `the agent knows no echo target "${request.target.slice(0, 80)}"` };
    } else {
      result = await (this.opts.echo ?? echoPeer)({
        host: target.host,
        port: target.port,
        callingAe: this.opts.aeTitle,
        calledAe: target.aeTitle,
        timeoutMs: this.opts.timeoutMs ?? 5_000,
      });
    }
    const body: EchoResultMessage = {
      kind: 'echo.result',
      echoId: request.echoId,
      ...(target
        ? { target: { id: target.id, aeTitle: target.aeTitle, host: target.host, port: target.port } }
        : {}),
      ok: result.ok,
      ...(result.ok ? { ms: result.ms } : { error: result.reason.slice(0, 512) }),
      at: new Date().toISOString(),
    };
    this.opts.log.info('echo requested from the plugin', {
      echoId: request.echoId,
      target: request.target,
      ok: result.ok,
      ...(result.ok ? { ms: result.ms } : { reason: result.reason }),
    });
    await this.opts.database.write((tx) => enqueueForPlugin(tx, [body]));
    this.opts.wake();
  }
}
