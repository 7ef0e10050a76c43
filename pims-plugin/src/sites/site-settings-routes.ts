import type { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit } from '../audit/audit-log.js';
import { isOrigin } from '../config.js';
import type { Database } from '../db/database.js';
import { sites } from '../db/schema.js';
import type { AppEnv } from '../http/app-env.js';
import { parseJsonBody } from '../http/validate.js';
import type { FrameOrigins } from './frame-origins.js';

const origin = z
  .string()
  .max(255)
  .refine(isOrigin, 'expected an origin: scheme, host and optional port, such as https://pims.example.com')
  .transform((v) => new URL(v).origin);

export const siteSettingsBody = z.strictObject({
  pimsOrigins: z
    .array(origin)
    .max(16, 'expected at most 16 origins')
    .nullable()
    .meta({
      description:
        'The PIMS pages that may show this site’s chart panel in an iframe; null: the plugin-wide `LIGHTBOX_PIMS_ORIGINS`; [] forbids framing.',
      example: ['https://clinic.pims.example.com'],
    }),
});

/** `GET` and `PATCH /v1/site-settings`: what a site configures for itself through the API. */
export function mountSiteSettingsRoutes(
  app: Hono<AppEnv>,
  database: Database,
  frameOrigins: FrameOrigins,
): void {
  const view = async (siteId: string) => {
    const { pimsOrigins, effective } = await frameOrigins.settingsOf(siteId);
    return { siteId, pimsOrigins, effectivePimsOrigins: effective };
  };

  app.get('/v1/site-settings', async (c) => c.json(await view(c.get('siteId'))));

  app.patch('/v1/site-settings', async (c) => {
    const body = await parseJsonBody(c, siteSettingsBody);
    const siteId = c.get('siteId');
    const before = await frameOrigins.settingsOf(siteId);
    const pimsOrigins = body.pimsOrigins === null ? null : [...new Set(body.pimsOrigins)];
    await database.write(async (tx) => {
      await tx
        .update(sites)
        .set({ pimsOriginsJson: pimsOrigins === null ? null : JSON.stringify(pimsOrigins) })
        .where(eq(sites.id, siteId));
      await recordAudit(tx, {
        siteId,
        actor: c.get('actor'),
        action: 'site_settings.changed',
        subject: { type: 'site', id: siteId },
        detail: { pimsOrigins: { from: before.pimsOrigins, to: pimsOrigins } },
      });
    });
    return c.json(await view(siteId));
  });
}
