import { and, asc, eq, isNull, ne } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import type { Database, Tx } from '../db/database.js';
import { apiKeys } from '../db/schema.js';
import { notFound } from '../errors.js';
import { hashSecret, mintId, mintSecret } from './secret-hash.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/**
 * The first characters of a key, enough to tell keys apart in a list and never enough to guess
 * one: a third of the key at most (a minted key shows `lbx_key_` and 6 of its 43 random characters).
 */
export function keyPrefix(key: string): string {
  return key.slice(0, Math.min(14, Math.floor(key.length / 3)));
}

/** A key as the API lists it: never the key, nor its hash. */
export function apiKeyView(row: ApiKeyRow) {
  return {
    apiKeyId: row.id,
    label: row.label,
    source: row.source,
    prefix: row.prefix,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

export async function createApiKey(
  database: Database,
  siteId: string,
  label: string,
  actor: Actor,
): Promise<{ row: ApiKeyRow; key: string }> {
  const key = mintSecret('lbx_key');
  const row = await database.write(async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({
        id: mintId('key'),
        siteId,
        keyHash: hashSecret(key),
        label,
        source: 'api',
        prefix: keyPrefix(key),
      })
      .returning();
    await recordAudit(tx, {
      siteId,
      actor,
      action: 'api_key.created',
      subject: { type: 'api_key', id: row!.id },
      detail: { label, prefix: row!.prefix },
    });
    return row!;
  });
  return { row, key };
}

export async function listApiKeys(database: Database, siteId: string): Promise<ApiKeyRow[]> {
  return database.db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.siteId, siteId))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

/**
 * Revokes a key: the next request with it is refused. The site's last active key cannot be
 * revoked, so the site is never locked out of its own API; create its replacement first.
 */
export async function revokeApiKey(
  database: Database,
  siteId: string,
  id: string,
  actor: Actor,
): Promise<void> {
  await database.write(async (tx) => {
    const [row] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.siteId, siteId)));
    if (!row) throw notFound('API key');
    if (row.revokedAt !== null) return;
    const others = await tx
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(eq(apiKeys.siteId, siteId), isNull(apiKeys.revokedAt), ne(apiKeys.id, id)))
      .limit(1);
    if (others.length === 0) {
      throw new LightboxError(
        'conflict',
        "this is the site's last active API key: create its replacement before revoking it",
      );
    }
    await revoke(tx, row, actor, 'api_key.revoked');
  });
}

export async function revoke(tx: Tx, row: ApiKeyRow, actor: Actor, action: string): Promise<void> {
  await tx.update(apiKeys).set({ revokedAt: new Date().toISOString() }).where(eq(apiKeys.id, row.id));
  await recordAudit(tx, {
    siteId: row.siteId,
    actor,
    action,
    subject: { type: 'api_key', id: row.id },
    detail: { label: row.label, prefix: row.prefix },
  });
}
