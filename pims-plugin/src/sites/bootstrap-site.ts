import { and, eq, isNull, ne } from 'drizzle-orm';
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { agentLinkState, agents, apiKeys, sites } from '../db/schema.js';
import type { PluginConfig } from '../config.js';
import type { Logger } from '../log.js';
import { keyPrefix, revoke } from './api-keys.js';
import { hashSecret, mintId, mintSecret } from './secret-hash.js';

export const DEFAULT_SITE_ID = 'default';

/**
 * Makes a fresh install usable: the default site, its PIMS API key (from LIGHTBOX_API_KEY, or
 * generated and printed once), and the local agent `npm start` launches.
 */
export async function bootstrapSite(
  database: Database,
  config: PluginConfig,
  log: Logger,
): Promise<{ generatedApiKey: string | null }> {
  const found = { envKeyRevoked: false };
  const generatedApiKey = await database.write(async (tx) => {
    let generated: string | null = null;
    await tx.insert(sites).values({ id: DEFAULT_SITE_ID, name: 'Default site' }).onConflictDoNothing();
    if (config.apiKey) {
      const keyHash = hashSecret(config.apiKey);
      // The key from the environment replaces the previous one from the environment: changing
      // LIGHTBOX_API_KEY must not leave the old key working beside the new.
      const previous = await tx
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.source, 'env'), isNull(apiKeys.revokedAt), ne(apiKeys.keyHash, keyHash)));
      for (const row of previous) await revoke(tx, row, SYSTEM_ACTOR, 'api_key.replaced');
      const [existing] = await tx.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
      if (!existing) {
        const id = mintId('key');
        await tx.insert(apiKeys).values({
          id,
          siteId: DEFAULT_SITE_ID,
          keyHash,
          label: 'env',
          source: 'env',
          prefix: keyPrefix(config.apiKey),
        });
        await recordAudit(tx, {
          siteId: DEFAULT_SITE_ID,
          actor: SYSTEM_ACTOR,
          action: 'api_key.created',
          subject: { type: 'api_key', id },
          detail: { label: 'env', prefix: keyPrefix(config.apiKey) },
        });
      } else {
        // Revoked stays revoked, even when still set: a restart must not bring a revoked key back.
        found.envKeyRevoked = existing.revokedAt !== null;
        if (existing.prefix === null) {
          await tx
            .update(apiKeys)
            .set({ prefix: keyPrefix(config.apiKey) })
            .where(eq(apiKeys.id, existing.id));
        }
      }
    } else {
      const existing = await tx.select().from(apiKeys).where(eq(apiKeys.siteId, DEFAULT_SITE_ID)).limit(1);
      if (existing.length === 0) {
        generated = mintSecret('lbx_key');
        await tx.insert(apiKeys).values({
          id: mintId('key'),
          siteId: DEFAULT_SITE_ID,
          keyHash: hashSecret(generated),
          label: 'generated',
          source: 'generated',
          prefix: keyPrefix(generated),
        });
      }
    }
    if (config.localAgent) {
      await tx
        .insert(agents)
        .values({
          id: config.localAgent.id,
          siteId: DEFAULT_SITE_ID,
          name: 'local agent',
          tokenHash: hashSecret(config.localAgent.token),
        })
        .onConflictDoUpdate({ target: agents.id, set: { tokenHash: hashSecret(config.localAgent.token) } });
      await tx.insert(agentLinkState).values({ agentId: config.localAgent.id }).onConflictDoNothing();
    }
    return generated;
  });
  if (found.envKeyRevoked) {
    log.warn(
      'LIGHTBOX_API_KEY was revoked and authenticates nothing; set a new key or create one through the API',
    );
  }
  if (generatedApiKey) log.info('generated a PIMS API key for the default site; it is shown only now');
  return { generatedApiKey };
}
