import type { Hono } from 'hono';
import { z } from 'zod';
import { LightboxError } from '@lightbox/runtime';
import type { Database } from '../db/database.js';
import { eventTypes } from '../events/event-catalogue.js';
import type { AppEnv } from '../http/app-env.js';
import { parseJsonBody } from '../http/validate.js';
import type { OutboundGuard } from '../security/outbound-guard.js';
import type { SecretBox } from '../security/secret-box.js';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  headEvent,
  listDeliveries,
  listWebhooks,
  resumeWebhook,
  webhookView,
  type WebhookRow,
} from './webhook-store.js';

const httpUrl = z
  .string({ error: 'expected an http:// or https:// URL' })
  .max(2048, 'expected at most 2048 characters')
  .refine((v) => {
    try {
      const u = new URL(v);
      return (
        (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && !u.username && !u.password
      );
    } catch {
      return false;
    }
  }, 'expected an http:// or https:// URL with a host and no user name or password');

/** The shortest webhook secret accepted, in UTF-8 bytes. */
export const MIN_SECRET_BYTES = 16;

export const createWebhookBody = z.object({
  url: httpUrl.meta({
    description: 'Where each event is POSTed.',
    example: 'https://pims.example/lightbox/events',
  }),
  secret: z
    .string({ error: 'expected the secret deliveries are signed with' })
    // A short secret can be guessed from one signed delivery by trying every value offline.
    .refine((v) => Buffer.byteLength(v, 'utf8') >= MIN_SECRET_BYTES, {
      message: `expected at least ${MIN_SECRET_BYTES} bytes; a random value such as 32 bytes in hex is best`,
    })
    .refine((v) => v.length <= 512, 'expected at most 512 characters')
    .meta({
      description: `Signs every delivery (\`Lightbox-Signature\`); at least ${MIN_SECRET_BYTES} bytes, kept sealed, never shown again.`,
    }),
  types: z
    .array(z.enum(eventTypes, { error: `expected one of ${eventTypes.join(', ')}` }))
    .min(1, 'expected at least one event type; leave `types` out for all of them')
    .optional()
    .meta({ description: 'The event types to deliver; absent: all of them.' }),
});

export const deliveriesQuery = z.object({
  limit: z.coerce
    .number({ error: 'expected an integer from 1 to 500' })
    .int('expected an integer from 1 to 500')
    .min(1, 'expected an integer from 1 to 500')
    .max(500, 'expected an integer from 1 to 500')
    .default(50),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'expected the `next` of a previous page')
    .optional()
    .meta({ description: 'The `next` of the previous page.' }),
});

/** Told when subscriptions change, so their delivery loops start and stop at once. */
export interface SubscriptionsListener {
  subscriptionsChanged(): void;
}

export function mountWebhookRoutes(
  app: Hono<AppEnv>,
  database: Database,
  worker: SubscriptionsListener,
  security: { secrets: SecretBox; outbound: OutboundGuard },
): void {
  const view = async (row: WebhookRow) => webhookView(row, await headEvent(database.db, row));

  app.post('/v1/webhooks', async (c) => {
    const body = await parseJsonBody(c, createWebhookBody);
    // Checked on the literal now (and again on every connection): a URL aimed inside the network
    // is refused before anything is sent there.
    await security.outbound.checkUrl(body.url);
    const row = await createWebhook(database, security.secrets, c.get('siteId'), body);
    worker.subscriptionsChanged();
    return c.json(await view(row), 201);
  });

  app.get('/v1/webhooks', async (c) => {
    const rows = await listWebhooks(database.db, c.get('siteId'));
    return c.json({ items: await Promise.all(rows.map(view)) });
  });

  app.get('/v1/webhooks/:webhookId', async (c) =>
    c.json(await view(await getWebhook(database.db, c.get('siteId'), c.req.param('webhookId')))),
  );

  app.delete('/v1/webhooks/:webhookId', async (c) => {
    await deleteWebhook(database, c.get('siteId'), c.req.param('webhookId'));
    worker.subscriptionsChanged();
    return c.body(null, 204);
  });

  app.post('/v1/webhooks/:webhookId/resume', async (c) => {
    const row = await resumeWebhook(database, c.get('siteId'), c.req.param('webhookId'), c.get('actor'));
    worker.subscriptionsChanged();
    return c.json(await view(row));
  });

  app.get('/v1/webhooks/:webhookId/deliveries', async (c) => {
    const row = await getWebhook(database.db, c.get('siteId'), c.req.param('webhookId'));
    const parsed = deliveriesQuery.safeParse(c.req.query());
    if (!parsed.success) {
      throw new LightboxError('validation_failed', 'invalid query parameters', {
        errors: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
      });
    }
    const { limit, cursor } = parsed.data;
    return c.json(
      await listDeliveries(database.db, row.id, { limit, cursor: cursor ? Number(cursor) : undefined }),
    );
  });
}
