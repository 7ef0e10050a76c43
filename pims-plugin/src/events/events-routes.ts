import type { Hono } from 'hono';
import { z } from 'zod';
import { LightboxError } from '@lightbox/runtime';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../http/app-env.js';
import { readEventFeed } from './event-feed.js';

export const eventFeedQuery = z.object({
  after: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .meta({ description: 'The `next` of the previous page (or an event id); absent: from the first event.' }),
  limit: z.coerce
    .number({ error: 'expected an integer from 1 to 500' })
    .int('expected an integer from 1 to 500')
    .min(1, 'expected an integer from 1 to 500')
    .max(500, 'expected an integer from 1 to 500')
    .default(100),
});

/** GET /v1/events: the feed a PIMS that cannot take webhooks polls, and where one that can catches up. */
export function mountEventRoutes(app: Hono<AppEnv>, database: Database): void {
  app.get('/v1/events', async (c) => {
    const parsed = eventFeedQuery.safeParse(c.req.query());
    if (!parsed.success) {
      throw new LightboxError('validation_failed', 'invalid query parameters', {
        errors: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
      });
    }
    return c.json(await readEventFeed(database.db, c.get('siteId'), parsed.data));
  });
}
