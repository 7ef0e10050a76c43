import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { agentLinkState, agents, apiKeys, sites } from '../db/schema.js';
import type { PluginConfig } from '../config.js';
import type { Logger } from '../log.js';
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
  const generatedApiKey = await database.write(async (tx) => {
    let generated: string | null = null;
    await tx.insert(sites).values({ id: DEFAULT_SITE_ID, name: 'Default site' }).onConflictDoNothing();
    if (config.apiKey) {
      await tx
        .insert(apiKeys)
        .values({
          id: mintId('key'),
          siteId: DEFAULT_SITE_ID,
          keyHash: hashSecret(config.apiKey),
          label: 'env',
        })
        .onConflictDoNothing();
    } else {
      const existing = await tx.select().from(apiKeys).where(eq(apiKeys.siteId, DEFAULT_SITE_ID)).limit(1);
      if (existing.length === 0) {
        generated = mintSecret('lbx_key');
        await tx.insert(apiKeys).values({
          id: mintId('key'),
          siteId: DEFAULT_SITE_ID,
          keyHash: hashSecret(generated),
          label: 'generated',
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
  if (generatedApiKey) log.info('generated a PIMS API key for the default site; it is shown only now');
  return { generatedApiKey };
}
