import {
  durableLinkStore,
  type EchoRequestMessage,
  type LinkStore,
  type PluginToAgentMessage,
} from '@lightbox/protocol';
import type { AgentDatabase } from '../db/agent-database.js';
import { pluginLinkTables } from '../outbox/link-tables.js';
import { applyPluginMessage } from './apply-plugin-message.js';
import type { WorklistCopy } from '../worklist/worklist-copy.js';

/** The agent's half of the link, on its local journal. */
export function agentLinkStore(
  database: AgentDatabase,
  worklist: WorklistCopy,
  echo?: (request: EchoRequestMessage) => void,
): LinkStore<PluginToAgentMessage> {
  return durableLinkStore({
    tables: pluginLinkTables,
    db: database.db,
    write: (work) => database.write(work),
    apply: ({ tx, seq, afterCommit }, body: PluginToAgentMessage) =>
      applyPluginMessage({ tx, seq, worklist, afterCommit, ...(echo ? { echo } : {}) }, body),
  });
}
