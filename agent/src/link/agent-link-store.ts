import { eq } from 'drizzle-orm';
import type {
  EchoRequestMessage,
  InboxTransaction,
  LinkStore,
  PluginToAgentMessage,
} from '@lightbox/protocol';
import type { AgentDatabase } from '../db/agent-database.js';
import { deadLetters, linkState } from '../db/schema.js';
import { forgetAcknowledged, readPluginOutbox } from '../outbox/outbox-to-plugin.js';
import { applyPluginMessage } from './apply-plugin-message.js';
import type { WorklistCopy } from '../worklist/worklist-copy.js';

/** The agent's half of the link, on its local journal. */
export function agentLinkStore(
  database: AgentDatabase,
  worklist: WorklistCopy,
  echo?: (request: EchoRequestMessage) => void,
): LinkStore<PluginToAgentMessage> {
  return {
    readOutbox: (afterSeq, limit) => readPluginOutbox(database.db, afterSeq, limit),
    acknowledge: (upToSeq) => database.write((tx) => forgetAcknowledged(tx, upToSeq)),
    inboxTransaction: async (work) => {
      const effects: (() => void)[] = [];
      const result = await database.write(async (tx) => {
        const inbox: InboxTransaction<PluginToAgentMessage> = {
          lastAppliedSeq: async () => {
            const [row] = await tx
              .select({ lastInSeq: linkState.lastInSeq })
              .from(linkState)
              .where(eq(linkState.id, 1));
            return row?.lastInSeq ?? 0;
          },
          apply: (seq, body) =>
            applyPluginMessage(
              { tx, seq, worklist, afterCommit: (effect) => effects.push(effect), ...(echo ? { echo } : {}) },
              body,
            ),
          recordApplied: async (seq) => {
            await tx.update(linkState).set({ lastInSeq: seq }).where(eq(linkState.id, 1));
          },
          deadLetter: async (seq, body, reason) => {
            await tx.insert(deadLetters).values({ seq, bodyJson: JSON.stringify(body), reason });
          },
        };
        return work(inbox);
      });
      // Only now is the change durable; a rolled-back batch leaves the in-memory copy untouched.
      for (const effect of effects) effect();
      return result;
    },
  };
}
