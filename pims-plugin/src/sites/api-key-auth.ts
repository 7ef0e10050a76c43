import type { MiddlewareHandler } from 'hono';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { apiKeys } from '../db/schema.js';
import type { AppEnv } from '../http/app-env.js';
import { unauthorized } from '../errors.js';
import { hashSecret } from './secret-hash.js';

export function bearerToken(header: string | undefined): string | null {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1] ?? null;
}

/** PIMS API key → the site it belongs to; everything under /v1 is scoped by that site. */
export function apiKeyAuth(database: Database): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw unauthorized('an API key is required: Authorization: Bearer <key>');
    const rows = await database.db
      .select({ siteId: apiKeys.siteId, id: apiKeys.id, label: apiKeys.label })
      .from(apiKeys)
      .where(eq(apiKeys.keyHash, hashSecret(token)))
      .limit(1);
    const row = rows[0];
    if (!row) throw unauthorized('the API key is not valid');
    c.set('siteId', row.siteId);
    c.set('actor', { type: 'api_key', id: row.id, name: row.label });
    await next();
  };
}
