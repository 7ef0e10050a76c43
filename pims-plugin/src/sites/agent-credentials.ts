import { and, eq, isNull, or } from 'drizzle-orm';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { agents } from '../db/schema.js';
import { notFound } from '../errors.js';
import { hashSecret, mintSecret } from './secret-hash.js';

export type AgentRow = typeof agents.$inferSelect;

async function agentOfSite(database: Database, siteId: string, agentId: string): Promise<AgentRow> {
  const [row] = await database.db
    .select()
    .from(agents)
    .where(and(eq(agents.id, agentId), eq(agents.siteId, siteId), isNull(agents.removedAt)));
  if (!row) throw notFound('agent');
  return row;
}

/**
 * Gives an agent a new token. By default the old one keeps working until the agent links with the
 * new one (so the token can be changed in the agent's settings without a gap); `immediately`
 * drops the old one now, and the caller closes the link it holds.
 */
export async function rotateAgentToken(
  database: Database,
  siteId: string,
  agentId: string,
  immediately: boolean,
  actor: Actor,
): Promise<string> {
  await agentOfSite(database, siteId, agentId);
  const token = mintSecret('lbx_agt');
  await database.write(async (tx) => {
    await tx
      .update(agents)
      .set(
        // Revoked now: the link the old token holds is dropped, so the agent is not connected.
        immediately
          ? { tokenHash: hashSecret(token), nextTokenHash: null, connected: false }
          : { nextTokenHash: hashSecret(token) },
      )
      .where(eq(agents.id, agentId));
    await recordAudit(tx, {
      siteId,
      actor,
      action: 'agent.token_rotated',
      subject: { type: 'agent', id: agentId },
      detail: { oldToken: immediately ? 'revoked now' : 'valid until the new token links' },
    });
  });
  return token;
}

/** The agent a token belongs to, by its current token or by a rotated one not yet used. */
export async function agentByToken(
  database: Database,
  token: string,
): Promise<{ id: string; siteId: string; viaNextToken: boolean } | null> {
  const hash = hashSecret(token);
  const [row] = await database.db
    .select({ id: agents.id, siteId: agents.siteId, tokenHash: agents.tokenHash })
    .from(agents)
    .where(and(or(eq(agents.tokenHash, hash), eq(agents.nextTokenHash, hash)), isNull(agents.removedAt)))
    .limit(1);
  return row ? { id: row.id, siteId: row.siteId, viaNextToken: row.tokenHash !== hash } : null;
}

/** The agent linked with its rotated token: that one becomes its token, the old one stops working. */
export async function promoteNextToken(database: Database, agentId: string, token: string): Promise<boolean> {
  const hash = hashSecret(token);
  return database.write(async (tx) => {
    const [row] = await tx
      .update(agents)
      .set({ tokenHash: hash, nextTokenHash: null })
      .where(and(eq(agents.id, agentId), eq(agents.nextTokenHash, hash)))
      .returning({ siteId: agents.siteId });
    if (!row) return false;
    await recordAudit(tx, {
      siteId: row.siteId,
      actor: { ...SYSTEM_ACTOR, type: 'agent', id: agentId },
      action: 'agent.token_replaced',
      subject: { type: 'agent', id: agentId },
      detail: { oldToken: 'revoked: the agent linked with its new token' },
    });
    return true;
  });
}

/** Whether a link authenticated with `token` may stay open: the agent exists and the token is still its. */
export async function tokenStillValid(database: Database, agentId: string, token: string): Promise<boolean> {
  const found = await agentByToken(database, token);
  return found?.id === agentId;
}

/**
 * Removes an agent: no token of it authenticates from now on and it is no longer listed or sent
 * orders. Its row stays (marked removed), since orders and studies name it.
 */
export async function removeAgent(
  database: Database,
  siteId: string,
  agentId: string,
  actor: Actor,
): Promise<void> {
  const agent = await agentOfSite(database, siteId, agentId);
  await database.write(async (tx) => {
    await tx
      .update(agents)
      // Not the hash of any token: the unique column keeps a value no token matches.
      .set({
        removedAt: new Date().toISOString(),
        tokenHash: `removed:${agentId}`,
        nextTokenHash: null,
        connected: false,
      })
      .where(eq(agents.id, agentId));
    await recordAudit(tx, {
      siteId,
      actor,
      action: 'agent.removed',
      subject: { type: 'agent', id: agentId },
      detail: { name: agent.name },
    });
  });
}
