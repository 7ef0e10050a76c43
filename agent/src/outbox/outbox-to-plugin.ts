import { enqueueMessages, type AgentToPluginMessage } from '@lightbox/protocol';
import type { AgentDb, AgentTx } from '../db/agent-database.js';
import { pluginLinkTables } from './link-tables.js';

/**
 * Puts messages for the plugin into the durable outbox inside the caller's transaction, so the
 * journal entry that caused them and the messages commit together.
 */
export function enqueueForPlugin(tx: AgentTx, bodies: AgentToPluginMessage[]): Promise<number[]> {
  return enqueueMessages(pluginLinkTables, tx, bodies);
}

export function pluginOutboxDepth(db: AgentDb): Promise<number> {
  return pluginLinkTables.countOutbox(db);
}

export function readAgentLinkState(db: AgentDb) {
  return pluginLinkTables.readCounters(db);
}
