import type { AgentToPluginMessage } from '@lightbox/protocol';
import type { Tx } from '../db/database.js';
import { probeReplies } from '../db/schema.js';
import type { Logger } from '../log.js';

export interface ApplyContext {
  tx: Tx;
  agentId: string;
  seq: number;
  log: Logger;
}

/** Applies one agent→plugin message inside the link's inbox transaction. */
export async function applyAgentMessage(ctx: ApplyContext, body: AgentToPluginMessage): Promise<void> {
  switch (body.kind) {
    case 'probe.reply':
      await ctx.tx.insert(probeReplies).values({
        agentId: ctx.agentId,
        probeId: body.probeId,
        n: body.n,
        appliedCount: body.appliedCount,
        inSeq: ctx.seq,
      });
      return;
    case 'mpps.changed':
    case 'instance.stored':
      // Accepted and recorded as applied; their handling arrives with the MPPS and storage work.
      ctx.log.warn('message kind not handled yet', { kind: body.kind });
      return;
  }
}
