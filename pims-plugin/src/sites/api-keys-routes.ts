import type { Hono } from 'hono';
import { z } from 'zod';
import type { Database } from '../db/database.js';
import type { AppEnv } from '../http/app-env.js';
import { parseJsonBody } from '../http/validate.js';
import { apiKeyView, createApiKey, listApiKeys, revokeApiKey } from './api-keys.js';

export const createApiKeyBody = z.object({
  label: z
    .string({ error: 'expected a label saying who or what uses the key' })
    .trim()
    .min(1, 'expected a label saying who or what uses the key')
    .max(128, 'expected at most 128 characters')
    .meta({
      description: 'Who or what uses the key: shown in the list and the audit log.',
      example: 'PIMS sync',
    }),
});

/** The site's PIMS API keys: created (shown once), listed by prefix and last use, revoked. */
export function mountApiKeyRoutes(app: Hono<AppEnv>, database: Database): void {
  app.post('/v1/api-keys', async (c) => {
    const body = await parseJsonBody(c, createApiKeyBody);
    const { row, key } = await createApiKey(database, c.get('siteId'), body.label, c.get('actor'));
    return c.json({ ...apiKeyView(row), key }, 201);
  });

  app.get('/v1/api-keys', async (c) =>
    c.json({ items: (await listApiKeys(database, c.get('siteId'))).map(apiKeyView) }),
  );

  app.delete('/v1/api-keys/:apiKeyId', async (c) => {
    await revokeApiKey(database, c.get('siteId'), c.req.param('apiKeyId'), c.get('actor'));
    return c.body(null, 204);
  });
}
