import type { EchoRequestMessage, PluginToAgentMessage } from '@lightbox/protocol';
import type { AgentTx } from '../db/agent-database.js';
import { applyProbe } from '../probes/apply-probe.js';
import { applyWorklistMessage } from '../worklist/apply-worklist-message.js';
import type { WorklistCopy } from '../worklist/worklist-copy.js';

export interface PluginMessageContext {
  tx: AgentTx;
  seq: number;
  worklist: WorklistCopy;
  /** Runs once the link's transaction has committed (in-memory state follows the journal). */
  afterCommit: (effect: () => void) => void;
  /** Runs a C-ECHO the plugin asked for; absent where nothing can (then it is answered as such). */
  echo?: (request: EchoRequestMessage) => void;
}

/** Applies one plugin→agent message inside the link's inbox transaction. */
export async function applyPluginMessage(
  ctx: PluginMessageContext,
  body: PluginToAgentMessage,
): Promise<void> {
  switch (body.kind) {
    case 'probe':
      await applyProbe(ctx.tx, ctx.seq, body);
      return;
    case 'worklist.upsert':
    case 'worklist.remove':
    case 'worklist.sync-begin':
    case 'worklist.sync-end':
      ctx.afterCommit(await applyWorklistMessage(ctx.tx, body, ctx.worklist));
      return;
    case 'echo.request': {
      // Run once the request is durably applied: a DICOM round trip must not hold the journal.
      const echo = ctx.echo;
      if (echo) ctx.afterCommit(() => echo(body));
      return;
    }
  }
}
