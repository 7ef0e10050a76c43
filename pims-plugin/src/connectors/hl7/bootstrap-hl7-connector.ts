import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import { connectors, events } from '../../db/schema.js';
import { max } from 'drizzle-orm';
import { mintId } from '../../sites/secret-hash.js';
import { hl7Settings } from './hl7-settings.js';

/** The name of the connector the settings set up, so a restart finds (and updates) the same one. */
export const SETTINGS_CONNECTOR_NAME = 'HL7 (from LIGHTBOX_HL7_* settings)';

/**
 * `LIGHTBOX_HL7_PORT` / `LIGHTBOX_HL7_OUTBOUND`: an HL7 connector for the default site, made on the
 * first start and kept in step with the settings on later ones (same id, same placer-number scope).
 */
export async function bootstrapHl7Connector(
  database: Database,
  siteId: string,
  hl7: {
    listen: { host: string; port: number } | undefined;
    outbound: { host: string; port: number } | undefined;
  },
): Promise<void> {
  if (!hl7.listen && !hl7.outbound) return;
  const settings = hl7Settings.parse({
    ...(hl7.listen ? { listen: hl7.listen } : {}),
    ...(hl7.outbound ? { outbound: hl7.outbound } : {}),
  });
  const json = JSON.stringify(settings);
  await database.write(async (tx) => {
    const [existing] = await tx
      .select()
      .from(connectors)
      .where(
        and(
          eq(connectors.siteId, siteId),
          eq(connectors.kind, 'hl7'),
          eq(connectors.name, SETTINGS_CONNECTOR_NAME),
        ),
      );
    const now = new Date().toISOString();
    if (existing) {
      if (existing.settingsJson !== json || existing.status !== 'active') {
        await tx
          .update(connectors)
          .set({ settingsJson: json, status: 'active', disabledAt: null, updatedAt: now })
          .where(eq(connectors.id, existing.id));
      }
      return;
    }
    const [last] = await tx.select({ id: max(events.id) }).from(events);
    await tx.insert(connectors).values({
      id: mintId('con'),
      siteId,
      kind: 'hl7',
      name: SETTINGS_CONNECTOR_NAME,
      settingsJson: json,
      cursor: last?.id ?? 0,
      updatedAt: now,
    });
  });
}
