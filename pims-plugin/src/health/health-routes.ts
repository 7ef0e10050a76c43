import type { Hono } from 'hono';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../http/app-env.js';
import { problemResponse } from '../http/problem.js';

/** Liveness says the process answers; readiness says it can reach its database. */
export function mountHealthRoutes(app: Hono<AppEnv>, database: Database): void {
  app.get('/health/live', (c) => c.json({ status: 'ok' }));
  app.get('/health/ready', async (c) => {
    try {
      await database.client.execute('SELECT 1');
      return c.json({ status: 'ready' });
    } catch (err) {
      return problemResponse(503, 'Not ready', `database unreachable: ${String(err)}`);
    }
  });
}
