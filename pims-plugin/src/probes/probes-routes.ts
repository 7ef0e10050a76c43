import type { Hono } from 'hono';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import { agents, probeReplies } from '../db/schema.js';
import type { AppEnv } from '../http/app-env.js';
import { parseJsonBody } from '../http/validate.js';
import { notFound } from '../errors.js';
import type { LinkHub } from '../link/link-hub.js';
import { enqueueForAgent } from '../outbox/outbox-to-agent.js';

export const probeBody = z.object({ count: z.number().int().min(1).max(10_000).default(1) });

/**
 * Link checks: an installer (or a test) sends numbered probes through the durable link and reads
 * back what the agent answered — proof the link delivers both ways, exactly once, in order.
 */
export function mountProbeRoutes(app: Hono<AppEnv>, database: Database, hub: LinkHub): void {
  const agentOfSite = async (agentId: string, siteId: string) => {
    const [row] = await database.db
      .select({ id: agents.id })
      .from(agents)
      .where(and(eq(agents.id, agentId), eq(agents.siteId, siteId), isNull(agents.removedAt)));
    if (!row) throw notFound('agent');
    return row.id;
  };

  app.post('/v1/agents/:agentId/probes', async (c) => {
    const agentId = await agentOfSite(c.req.param('agentId'), c.get('siteId'));
    const { count } = await parseJsonBody(c, probeBody);
    const probeId = randomUUID();
    const bodies = Array.from({ length: count }, (_, n) => ({ kind: 'probe' as const, probeId, n }));
    await database.write((tx) => enqueueForAgent(tx, agentId, bodies));
    hub.notify(agentId);
    return c.json({ probeId, count }, 202);
  });

  app.get('/v1/agents/:agentId/probes/:probeId', async (c) => {
    const agentId = await agentOfSite(c.req.param('agentId'), c.get('siteId'));
    const rows = await database.db
      .select({ n: probeReplies.n, appliedCount: probeReplies.appliedCount })
      .from(probeReplies)
      .where(and(eq(probeReplies.agentId, agentId), eq(probeReplies.probeId, c.req.param('probeId'))))
      .orderBy(asc(probeReplies.inSeq));
    const ns = rows.map((r) => r.n);
    return c.json({
      probeId: c.req.param('probeId'),
      replies: rows.length,
      distinct: new Set(ns).size,
      inOrder: ns.every((n, i) => i === 0 || n > ns[i - 1]!),
      maxAppliedCount: rows.reduce((m, r) => Math.max(m, r.appliedCount), 0),
      ns,
    });
  });
}
