import {
  durableLinkStore,
  realignCounters,
  type AgentToPluginMessage,
  type LinkStore,
} from '@lightbox/protocol';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import { agentLinkTables } from '../outbox/agent-link-tables.js';
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
  return durableLinkStore({
    tables: agentLinkTables(agentId),
    db: database.db,
    write: (work) => database.write(work),
    apply: async ({ tx, seq, afterCommit }, body: AgentToPluginMessage) => {
      // Woken only after the commit, so their links read the new outbox rows.
      const wake = (ids: string[]) => afterCommit(() => notifyAgents(ids));
      await applyAgentMessage({ tx, agentId, seq, log, wake, intake }, body);
      pluginMetrics.linkMessageApplied(body.kind);
    },
  });
}

export function readLinkState(database: Database, agentId: string) {
  return agentLinkTables(agentId).readCounters(database.db);
}

/** Our inbox is behind what the agent already had acknowledged: our database was restored. */
export async function advanceInbox(database: Database, agentId: string, toSeq: number): Promise<void> {
  await database.write((tx) => realignCounters(agentLinkTables(agentId), tx, { inboxTo: toSeq }));
}
