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

/** How stale a key's `lastUsedAt` may get before a request writes it again: one write a minute, not one a request. */
const LAST_USE_RESOLUTION_MS = 60_000;

/**
 * PIMS API key → the site it belongs to; everything under /v1 is scoped by that site. Read on every
 * request, never cached, so a revoked key is refused from the next request on.
 */
export function apiKeyAuth(database: Database): MiddlewareHandler<AppEnv> {
  const lastWritten = new Map<string, number>();
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) throw unauthorized('an API key is required: Authorization: Bearer <key>');
    const rows = await database.db
      .select({ siteId: apiKeys.siteId, id: apiKeys.id, label: apiKeys.label, revokedAt: apiKeys.revokedAt })
      .from(apiKeys)
      .where(eq(apiKeys.keyHash, hashSecret(token)))
      .limit(1);
    const row = rows[0];
    // A revoked key gets the same answer as an unknown one: nothing to learn from trying keys.
    if (!row || row.revokedAt !== null) throw unauthorized('the API key is not valid');
    c.set('siteId', row.siteId);
    c.set('actor', { type: 'api_key', id: row.id, name: row.label });
    const now = Date.now();
    if (now - (lastWritten.get(row.id) ?? 0) >= LAST_USE_RESOLUTION_MS) {
      lastWritten.set(row.id, now);
      // Not awaited: bookkeeping must not slow or fail the request it describes.
      database
        .write((tx) =>
          tx
            .update(apiKeys)
            .set({ lastUsedAt: new Date(now).toISOString() })
            .where(eq(apiKeys.id, row.id)),
        )
        .catch((err: unknown) =>
          c
            .get('log')
            .warn('API key last use not recorded', { err: err instanceof Error ? err.message : String(err) }),
        );
    }
    await next();
  };
}
