import { eq } from 'drizzle-orm';
import type { AgentToPluginMessage, InboxTransaction, LinkStore } from '@lightbox/protocol';
import type { Database } from '../db/database.js';
import { agentDeadLetters, agentLinkState } from '../db/schema.js';
import type { Logger } from '../log.js';
import { forgetAcknowledged, readAgentOutbox } from '../outbox/outbox-to-agent.js';
import { applyAgentMessage, type StudyIntake } from './apply-agent-message.js';
import { pluginMetrics } from '../metrics/plugin-metrics.js';

/** The plugin's half of one agent's link, on the plugin database. */
export function pluginLinkStore(
  database: Database,
  agentId: string,
  log: Logger,
  notifyAgents: (agentIds: string[]) => void,
  intake: StudyIntake,
): LinkStore<AgentToPluginMessage> {
  return {
    readOutbox: (afterSeq, limit) => readAgentOutbox(database.db, agentId, afterSeq, limit),
    acknowledge: (upToSeq) => database.write((tx) => forgetAcknowledged(tx, agentId, upToSeq)),
    inboxTransaction: async (work) => {
      const woken: string[] = [];
      const result = await database.write(async (tx) => {
        await tx.insert(agentLinkState).values({ agentId }).onConflictDoNothing();
        const inbox: InboxTransaction<AgentToPluginMessage> = {
          lastAppliedSeq: async () => {
            const [row] = await tx
              .select({ lastInSeq: agentLinkState.lastInSeq })
              .from(agentLinkState)
              .where(eq(agentLinkState.agentId, agentId));
            return row?.lastInSeq ?? 0;
          },
          apply: async (seq, body) => {
            await applyAgentMessage(
              { tx, agentId, seq, log, wake: (ids) => woken.push(...ids), intake },
              body,
            );
            pluginMetrics.linkMessageApplied(body.kind);
          },
          recordApplied: async (seq) => {
            await tx
              .update(agentLinkState)
              .set({ lastInSeq: seq })
              .where(eq(agentLinkState.agentId, agentId));
          },
          deadLetter: async (seq, body, reason) => {
            await tx
              .insert(agentDeadLetters)
              .values({ agentId, seq, bodyJson: JSON.stringify(body), reason });
          },
        };
        return work(inbox);
      });
      // Woken only after the commit, so their links read the new outbox rows.
      if (woken.length > 0) notifyAgents([...new Set(woken)]);
      return result;
    },
  };
}

export async function readLinkState(database: Database, agentId: string) {
  const [row] = await database.db.select().from(agentLinkState).where(eq(agentLinkState.agentId, agentId));
  return row ?? { agentId, lastOutSeq: 0, ackedOutSeq: 0, lastInSeq: 0 };
}

/** Our inbox is behind what the agent already had acknowledged: our database was restored. */
export async function advanceInbox(database: Database, agentId: string, toSeq: number): Promise<void> {
  await database.write(async (tx) => {
    await tx.insert(agentLinkState).values({ agentId }).onConflictDoNothing();
    await tx.update(agentLinkState).set({ lastInSeq: toSeq }).where(eq(agentLinkState.agentId, agentId));
  });
}
