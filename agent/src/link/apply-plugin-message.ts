import type { PluginToAgentMessage } from '@lightbox/protocol';
import type { AgentTx } from '../db/agent-database.js';
import type { Logger } from '../log.js';
import { applyProbe } from '../probes/apply-probe.js';

/** Applies one plugin→agent message inside the link's inbox transaction. */
export async function applyPluginMessage(
  tx: AgentTx,
  seq: number,
  body: PluginToAgentMessage,
  log: Logger,
): Promise<void> {
  switch (body.kind) {
    case 'probe':
      await applyProbe(tx, seq, body);
      return;
    case 'worklist.upsert':
    case 'worklist.remove':
      // Recorded as applied; the worklist copy arrives with the worklist work.
      log.warn('message kind not handled yet', { kind: body.kind });
      return;
  }
}
