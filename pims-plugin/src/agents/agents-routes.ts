import type { Hono } from 'hono';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { CloseCode } from '@lightbox/protocol';
import { removeAgent, rotateAgentToken } from '../sites/agent-credentials.js';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import { agentLinkState, agents } from '../db/schema.js';
import type { AppEnv } from '../http/app-env.js';
import { parseJsonBody, parseOptionalJsonBody } from '../http/validate.js';
import { notFound } from '../errors.js';
import { hashSecret, mintId, mintSecret } from '../sites/secret-hash.js';
import type { LinkHub } from '../link/link-hub.js';
import { outboxDepth } from '../outbox/outbox-to-agent.js';

const station = z.object({
  aeTitle: z
    .string()
    .regex(/^[\x20-\x5b\x5d-\x7e]{1,16}$/, 'expected an AE title: 1-16 characters, no backslash')
    .refine((v) => v.trim().length > 0, 'expected a non-blank AE title'),
  modality: z.string().regex(/^[A-Z0-9_ ]{1,16}$/, 'expected a DICOM modality code such as DX, US, IO, CT'),
});

export const createAgentBody = z.object({
  name: z.string().trim().min(1).max(128),
  stations: z.array(station).max(64).default([]),
});

export const rotateTokenBody = z.object({
  immediately: z.boolean({ error: 'expected true or false' }).default(false).meta({
    description:
      'false (default): the old token works until the agent links with the new one. true: the old token is revoked now and its link closed.',
  }),
});

export function mountAgentRoutes(app: Hono<AppEnv>, database: Database, hub: LinkHub): void {
  app.post('/v1/agents', async (c) => {
    const body = await parseJsonBody(c, createAgentBody);
    const agentId = mintId('agt');
    const token = mintSecret('lbx_agt');
    await database.write(async (tx) => {
      await tx.insert(agents).values({
        id: agentId,
        siteId: c.get('siteId'),
        name: body.name,
        tokenHash: hashSecret(token),
        stationsJson: JSON.stringify(body.stations),
      });
      await tx.insert(agentLinkState).values({ agentId });
    });
    c.get('log').info('agent registered', { agentId });
    return c.json({ agentId, name: body.name, stations: body.stations, token }, 201);
  });

  app.post('/v1/agents/:agentId/token', async (c) => {
    const body = await parseOptionalJsonBody(c, rotateTokenBody);
    const agentId = c.req.param('agentId');
    const token = await rotateAgentToken(
      database,
      c.get('siteId'),
      agentId,
      body.immediately,
      c.get('actor'),
    );
    if (body.immediately) hub.drop(agentId, CloseCode.credentialsRevoked, 'the agent token was revoked');
    c.get('log').info('agent token rotated', { agentId, immediately: body.immediately });
    return c.json({
      agentId,
      token,
      oldToken: body.immediately ? 'revoked' : 'valid until the new token links',
    });
  });

  app.delete('/v1/agents/:agentId', async (c) => {
    const agentId = c.req.param('agentId');
    await removeAgent(database, c.get('siteId'), agentId, c.get('actor'));
    hub.drop(agentId, CloseCode.credentialsRevoked, 'the agent was removed');
    c.get('log').info('agent removed', { agentId });
    return c.body(null, 204);
  });

  app.get('/v1/agents', async (c) => {
    const rows = await database.db
      .select()
      .from(agents)
      .leftJoin(agentLinkState, eq(agentLinkState.agentId, agents.id))
      .where(and(eq(agents.siteId, c.get('siteId')), isNull(agents.removedAt)))
      .orderBy(desc(agents.createdAt));
    const items = await Promise.all(
      rows.map(async (r) => describeAgent(database, hub, r.agents, r.agent_link_state)),
    );
    return c.json({ items });
  });

  app.get('/v1/agents/:agentId', async (c) => {
    const [row] = await database.db
      .select()
      .from(agents)
      .leftJoin(agentLinkState, eq(agentLinkState.agentId, agents.id))
      .where(
        and(
          eq(agents.id, c.req.param('agentId')),
          eq(agents.siteId, c.get('siteId')),
          isNull(agents.removedAt),
        ),
      );
    if (!row) throw notFound('agent');
    return c.json(await describeAgent(database, hub, row.agents, row.agent_link_state));
  });
}

async function describeAgent(
  database: Database,
  hub: LinkHub,
  agent: typeof agents.$inferSelect,
  link: typeof agentLinkState.$inferSelect | null,
) {
  return {
    agentId: agent.id,
    name: agent.name,
    stations: JSON.parse(agent.stationsJson) as unknown,
    // Connected here, or on another plugin instance as the database last recorded it.
    connected: hub.isConnected(agent.id) || agent.connected,
    lastSeenAt: agent.lastSeenAt,
    agentVersion: agent.agentVersion,
    queues: {
      toAgent: await outboxDepth(database.db, agent.id),
      fromAgent: agent.agentOutboxDepth,
    },
    sequence: {
      lastSentToAgent: link?.lastOutSeq ?? 0,
      lastAcknowledgedByAgent: link?.ackedOutSeq ?? 0,
      lastAppliedFromAgent: link?.lastInSeq ?? 0,
    },
  };
}
