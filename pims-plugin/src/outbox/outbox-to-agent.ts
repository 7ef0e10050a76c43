import { enqueueMessages, type PluginToAgentMessage } from '@lightbox/protocol';
import type { Db, Tx } from '../db/database.js';
import { agentLinkTables } from './agent-link-tables.js';

/**
 * Puts messages for an agent into its durable outbox inside the caller's transaction, so the state
 * change that caused them and the messages commit together. Returns their sequence numbers.
 */
export function enqueueForAgent(tx: Tx, agentId: string, bodies: PluginToAgentMessage[]): Promise<number[]> {
  return enqueueMessages(agentLinkTables(agentId), tx, bodies);
}

export function outboxDepth(db: Db, agentId: string): Promise<number> {
  return agentLinkTables(agentId).countOutbox(db);
}
