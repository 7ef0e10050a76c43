import type { Hono } from 'hono';
import { and, desc, eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import { performedSteps } from '../db/schema.js';
import type { AppEnv } from '../http/app-env.js';
import { parseJsonBody } from '../http/validate.js';
import { parseQuery } from '../openapi/parse-query.js';
import { linkStepByHand } from './link-step-by-hand.js';
import { openOrdersOf, performedPatientOf, rankSuggestions } from './reconciliation-suggestions.js';

export const unscheduledListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** The `updatedAt` of the last item of the previous page. */
  before: z.iso.datetime().optional(),
});

export const linkStepBody = z.object({
  orderIds: z.array(z.string().min(1).max(64)).min(1).max(16),
});

/**
 * Reconciliation of unscheduled MPPS: the list a person works through, with suggested orders, and
 * the link that applies the step to the orders they chose.
 */
export function mountReconciliationRoutes(
  app: Hono<AppEnv>,
  database: Database,
  notifyAgents: (agentIds: string[]) => void,
): void {
  app.get('/v1/reconciliation/performed-steps', async (c) => {
    const { limit, before } = parseQuery(unscheduledListQuery, c.req.query());
    const rows = await database.db
      .select()
      .from(performedSteps)
      .where(
        and(
          eq(performedSteps.siteId, c.get('siteId')),
          eq(performedSteps.orderIdsJson, '[]'),
          before ? lt(performedSteps.updatedAt, before) : undefined,
        ),
      )
      .orderBy(desc(performedSteps.updatedAt))
      .limit(limit);
    const open = rows.length > 0 ? await openOrdersOf(database.db, c.get('siteId')) : [];
    const items = [];
    for (const step of rows) {
      items.push({
        sopInstanceUid: step.sopInstanceUid,
        status: step.status,
        modality: step.modality,
        performedStationAeTitle: step.callingAeTitle,
        performed: performedPatientOf(step),
        updatedAt: step.updatedAt,
        suggestions: rankSuggestions(step, open),
      });
    }
    const last = rows.at(-1);
    return c.json({ items, next: rows.length === limit && last ? last.updatedAt : null });
  });

  app.post('/v1/performed-steps/:uid/link', async (c) => {
    const { orderIds } = await parseJsonBody(c, linkStepBody);
    const wake = await linkStepByHand(database, c.get('siteId'), c.req.param('uid'), orderIds);
    notifyAgents(wake);
    return c.json({ sopInstanceUid: c.req.param('uid'), orderIds: [...new Set(orderIds)] });
  });
}
