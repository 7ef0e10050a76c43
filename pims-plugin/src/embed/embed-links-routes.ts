import type { Hono } from 'hono';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { LightboxError } from '@lightbox/runtime';
import { recordAudit } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { studies } from '../db/schema.js';
import type { AppEnv } from '../http/app-env.js';
import { parseJsonBody } from '../http/validate.js';
import { MAX_TTL_SECONDS, MIN_TTL_SECONDS, type EmbedLinks } from './embed-links.js';

export const createEmbedLinkBody = z.strictObject({
  pimsPatientId: z.string().trim().min(1).max(64),
  ttlSeconds: z
    .number()
    .int()
    .min(MIN_TTL_SECONDS, `expected at least ${MIN_TTL_SECONDS} seconds`)
    .max(MAX_TTL_SECONDS, `expected at most ${MAX_TTL_SECONDS} seconds (12 hours)`)
    .optional()
    .meta({ description: 'How long the link works; default 900 (15 minutes), at most 43200 (12 hours).' }),
  studyId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .meta({ description: 'A study of this site to open directly.' }),
  user: z
    .strictObject({ id: z.string().trim().min(1).max(64), name: z.string().trim().min(1).max(128) })
    .optional()
    .meta({
      description: 'The PIMS user the link is for; the audit log names them when the panel is opened.',
    }),
});

/** `POST /v1/embed-links` and the rotation of the site's signing key. */
export function mountEmbedLinkRoutes(app: Hono<AppEnv>, database: Database, links: EmbedLinks): void {
  app.post('/v1/embed-links', async (c) => {
    const body = await parseJsonBody(c, createEmbedLinkBody);
    const siteId = c.get('siteId');
    if (body.studyId) {
      const [study] = await database.db
        .select({ id: studies.id })
        .from(studies)
        .where(and(eq(studies.id, body.studyId), eq(studies.siteId, siteId)));
      if (!study) throw new LightboxError('not_found', 'study not found');
    }
    return c.json(await links.create(siteId, body), 201);
  });

  app.post('/v1/embed-links/rotate-secret', async (c) => {
    const siteId = c.get('siteId');
    const version = await database.write(async (tx) => {
      const v = await links.rotate(tx, siteId);
      await recordAudit(tx, {
        siteId,
        actor: c.get('actor'),
        action: 'embed_secret.rotated',
        subject: { type: 'site', id: siteId },
        detail: { version: v },
      });
      return v;
    });
    return c.json({ version, rotatedAt: new Date().toISOString() });
  });
}
