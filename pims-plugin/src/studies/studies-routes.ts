import type { Hono } from 'hono';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../http/app-env.js';
import { parseJsonBody } from '../http/validate.js';
import { parseQuery } from '../openapi/parse-query.js';
import type { MediaLinks } from './media-links.js';
import { matchStudyByHand } from './match-study-by-hand.js';
import { getStudy, listStudies, studiesOfPatient, studyView } from './study-queries.js';

export const studyListQuery = z.object({
  status: z.enum(['matched', 'unmatched']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

export const matchStudyBody = z.object({
  orderId: z.string().min(1).max(64),
  note: z.string().trim().min(1).max(256).optional(),
});

/** The studies endpoints of the contract: lists, one study, the chart's list, the manual match. */
export function mountStudyRoutes(app: Hono<AppEnv>, database: Database, mediaLinks: MediaLinks): void {
  app.get('/v1/studies', async (c) =>
    c.json(await listStudies(database.db, c.get('siteId'), parseQuery(studyListQuery, c.req.query()))),
  );

  app.get('/v1/studies/:studyId', async (c) => {
    const study = await getStudy(database.db, c.get('siteId'), c.req.param('studyId'));
    return c.json(await studyView(database.db, study, await mediaLinks.linker(c.get('siteId'))));
  });

  app.get('/v1/patients/:pimsPatientId/studies', async (c) =>
    c.json(await studiesOfPatient(database.db, c.get('siteId'), c.req.param('pimsPatientId'))),
  );

  app.post('/v1/studies/:studyId/match', async (c) => {
    const { orderId, note } = await parseJsonBody(c, matchStudyBody);
    await matchStudyByHand(database, c.get('siteId'), c.req.param('studyId'), orderId, note ?? null);
    const study = await getStudy(database.db, c.get('siteId'), c.req.param('studyId'));
    return c.json(await studyView(database.db, study, await mediaLinks.linker(c.get('siteId'))));
  });
}
