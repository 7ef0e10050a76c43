import { eq } from 'drizzle-orm';
import type { InboxTransaction, LinkStore, PluginToAgentMessage } from '@lightbox/protocol';
import type { AgentDatabase } from '../db/agent-database.js';
import { deadLetters, linkState } from '../db/schema.js';
import type { Logger } from '../log.js';
import { forgetAcknowledged, readPluginOutbox } from './agent-outbox.js';
import { applyPluginMessage } from './apply-plugin-message.js';

/** The agent's half of the link, on its local journal. */
export function agentLinkStore(database: AgentDatabase, log: Logger): LinkStore<PluginToAgentMessage> {
  return {
    readOutbox: (afterSeq, limit) => readPluginOutbox(database.db, afterSeq, limit),
    acknowledge: (upToSeq) => database.write((tx) => forgetAcknowledged(tx, upToSeq)),
    inboxTransaction: (work) =>
      database.write(async (tx) => {
        const inbox: InboxTransaction<PluginToAgentMessage> = {
          lastAppliedSeq: async () => {
            const [row] = await tx
              .select({ lastInSeq: linkState.lastInSeq })
              .from(linkState)
              .where(eq(linkState.id, 1));
            return row?.lastInSeq ?? 0;
          },
          apply: (seq, body) => applyPluginMessage(tx, seq, body, log),
          recordApplied: async (seq) => {
            await tx.update(linkState).set({ lastInSeq: seq }).where(eq(linkState.id, 1));
          },
          deadLetter: async (seq, body, reason) => {
            await tx.insert(deadLetters).values({ seq, bodyJson: JSON.stringify(body), reason });
          },
        };
        return work(inbox);
      }),
  };
}
