import { eq } from 'drizzle-orm';
import type { AgentDiskMessage } from '@lightbox/protocol';
import type { Tx } from '../db/database.js';
import { agents } from '../db/schema.js';
import { appendEvent } from '../events/event-store.js';

/** An agent's spool disk went low (C-STOREs refused) or recovered: an event for the practice. */
export async function applyAgentDisk(tx: Tx, agentId: string, msg: AgentDiskMessage): Promise<void> {
  const [agent] = await tx
    .select({ siteId: agents.siteId, name: agents.name })
    .from(agents)
    .where(eq(agents.id, agentId));
  if (!agent) return;
  await appendEvent(tx, agent.siteId, msg.state === 'low' ? 'agent.disk_low' : 'agent.disk_ok', {
    agentId,
    agentName: agent.name,
    freeBytes: msg.freeBytes,
    minFreeBytes: msg.minFreeBytes,
    at: msg.at,
  });
}
