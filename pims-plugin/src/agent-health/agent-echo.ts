import { and, desc, eq, isNull } from 'drizzle-orm';
import { type EchoResultMessage } from '@lightbox/protocol';
import { LightboxError } from '@lightbox/runtime';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import type { Database, Db, Tx } from '../db/database.js';
import { agentEchoes, agents } from '../db/schema.js';
import { enqueueForAgent } from '../outbox/outbox-to-agent.js';
import { mintId } from '../sites/secret-hash.js';
import { parseStatus } from './agent-status-store.js';

/** What an echo needs of the link: whether the agent is connected, and a nudge to send it its queue. */
export interface AgentsOnline {
  isConnected(agentId: string): boolean;
  notify(agentId: string): void;
}

/** An agent that gets the request later than this runs no echo: its answer would mislead. */
export const ECHO_VALID_MS = 60_000;

export type AgentEchoRow = typeof agentEchoes.$inferSelect;

/**
 * Asks a connected agent to C-ECHO one of the peers it reported, recording who asked in the same
 * transaction as the message to the agent. Refused, with nothing sent, when the agent is not
 * connected or does not know the target (an older agent reports none).
 */
export async function requestEcho(
  database: Database,
  hub: AgentsOnline,
  req: { siteId: string; agentId: string; targetId: string; actor: Actor },
  nowMs = Date.now(),
): Promise<string> {
  const [agent] = await database.db
    .select({ id: agents.id, statusJson: agents.statusJson })
    .from(agents)
    .where(and(eq(agents.id, req.agentId), eq(agents.siteId, req.siteId), isNull(agents.removedAt)));
  if (!agent) throw new LightboxError('not_found', 'agent not found');
  if (!hub.isConnected(agent.id))
    throw new LightboxError('conflict', 'the agent is not connected, so it cannot echo anything now');
  const targets = parseStatus(agent.statusJson)?.echoTargets ?? [];
  if (targets.length === 0)
    throw new LightboxError(
      'conflict',
      'the agent has not reported what it can echo (an agent version before this feature, or no status yet)',
    );
  const target = targets.find((t) => t.id === req.targetId);
  if (!target) throw new LightboxError('validation_failed', 'the agent reported no such echo target');
  const echoId = mintId('echo');
  await database.write(async (tx) => {
    await tx.insert(agentEchoes).values({
      id: echoId,
      siteId: req.siteId,
      agentId: agent.id,
      targetId: target.id,
      actorType: req.actor.type,
      actorId: req.actor.id,
      actorName: req.actor.name,
      requestedAt: new Date(nowMs).toISOString(),
    });
    await enqueueForAgent(tx, agent.id, [
      {
        kind: 'echo.request',
        echoId,
        target: target.id,
        notAfter: new Date(nowMs + ECHO_VALID_MS).toISOString(),
      },
    ]);
    await recordAudit(tx, {
      siteId: req.siteId,
      actor: req.actor,
      action: 'agent.echo_requested',
      subject: { type: 'agent', id: agent.id },
      detail: { echoId, target: target.id, aeTitle: target.aeTitle, host: target.host, port: target.port },
    });
  });
  hub.notify(agent.id);
  return echoId;
}

/**
 * The agent's answer, inside the link's inbox transaction: stored beside the request and written to
 * the audit log in the name of the person who asked. An answer to an unknown or already answered
 * request changes nothing.
 */
export async function applyEchoResult(tx: Tx, agentId: string, body: EchoResultMessage): Promise<void> {
  const [row] = await tx
    .update(agentEchoes)
    .set({
      answeredAt: body.at,
      ok: body.ok,
      ms: body.ms === undefined ? null : Math.round(body.ms),
      error: body.error ?? null,
      targetJson: body.target ? JSON.stringify(body.target) : null,
    })
    .where(
      and(eq(agentEchoes.id, body.echoId), eq(agentEchoes.agentId, agentId), isNull(agentEchoes.answeredAt)),
    )
    .returning();
  if (!row) return;
  await recordAudit(tx, {
    siteId: row.siteId,
    actor: { type: row.actorType as Actor['type'], id: row.actorId, name: row.actorName },
    action: body.ok ? 'agent.echo_succeeded' : 'agent.echo_failed',
    subject: { type: 'agent', id: agentId },
    detail: {
      echoId: row.id,
      target: row.targetId,
      ...(body.target
        ? { aeTitle: body.target.aeTitle, host: body.target.host, port: body.target.port }
        : {}),
      ...(body.ms !== undefined ? { ms: Math.round(body.ms) } : {}),
      ...(body.error ? { error: body.error } : {}),
    },
  });
}

/** Waits (polling the database) until the echo is answered or `timeoutMs` passes. */
export async function waitForEcho(db: Db, echoId: string, timeoutMs: number): Promise<AgentEchoRow | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await db.select().from(agentEchoes).where(eq(agentEchoes.id, echoId));
    if (!row || row.answeredAt || Date.now() >= deadline) return row ?? null;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The most recent echo of each agent. */
export async function latestEchoes(db: Db, agentIds: string[]): Promise<Map<string, AgentEchoRow>> {
  const out = new Map<string, AgentEchoRow>();
  for (const agentId of agentIds) {
    const [row] = await db
      .select()
      .from(agentEchoes)
      .where(eq(agentEchoes.agentId, agentId))
      .orderBy(desc(agentEchoes.requestedAt))
      .limit(1);
    if (row) out.set(agentId, row);
  }
  return out;
}
