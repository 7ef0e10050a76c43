import type { Hono } from 'hono';
import { and, asc, eq } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import type { Database } from '../db/database.js';
import { performedStepHistory, performedSteps } from '../db/schema.js';
import type { AppEnv } from '../http/app-env.js';
import { suggestOrders } from './reconciliation-suggestions.js';

/** GET /v1/performed-steps/{uid}: an MPPS as recorded, with the orders it was linked to. */
export function mountPerformedStepRoutes(app: Hono<AppEnv>, database: Database): void {
  app.get('/v1/performed-steps/:uid', async (c) => {
    const uid = c.req.param('uid');
    const [step] = await database.db
      .select()
      .from(performedSteps)
      .where(and(eq(performedSteps.sopInstanceUid, uid), eq(performedSteps.siteId, c.get('siteId'))));
    if (!step) throw new LightboxError('not_found', 'performed procedure step not found');
    const history = await database.db
      .select({
        at: performedStepHistory.at,
        event: performedStepHistory.event,
        status: performedStepHistory.status,
      })
      .from(performedStepHistory)
      .where(eq(performedStepHistory.sopInstanceUid, uid))
      .orderBy(asc(performedStepHistory.id));
    const orderIds = JSON.parse(step.orderIdsJson) as string[];
    return c.json({
      sopInstanceUid: step.sopInstanceUid,
      status: step.status,
      modality: step.modality,
      performedStationAeTitle: step.callingAeTitle,
      orderIds,
      /** Unscheduled: no order could be found; it waits for a person to reconcile it. */
      unscheduled: orderIds.length === 0,
      scheduledSteps: JSON.parse(step.scheduledStepsJson) as unknown,
      performedSeries: JSON.parse(step.performedSeriesJson) as unknown,
      discontinuationReason: step.discontinuationJson
        ? (JSON.parse(step.discontinuationJson) as unknown)
        : null,
      agentId: step.agentId,
      history,
      suggestions: orderIds.length === 0 ? await suggestOrders(database.db, step) : [],
    });
  });
}
