import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/database.js';
import { webhooks } from '../db/schema.js';
import { SecretBox } from '../security/secret-box.js';
import { createWebhook, findWebhook, sealStoredWebhookSecrets, webhookSecret } from './webhook-store.js';

/** Webhook secrets are sealed at rest: a copied database file does not give them away. */
let dir: string;
let database: Database;
const secrets = SecretBox.withKey(randomBytes(32));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lightbox-webhook-secrets-'));
  database = await openDatabase(`file:${path.join(dir, 'plugin.db')}`);
});
afterAll(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

const stored = async (id: string) =>
  (await database.client.execute({ sql: 'SELECT secret FROM webhooks WHERE id = ?', args: [id] })).rows[0]!
    .secret as string;

it('stores a new subscription secret sealed, and opens it to sign', async () => {
  const row = await createWebhook(database, secrets, 'site-a', {
    url: 'https://pims.example/hook',
    secret: 'a-new-secret-0123456789',
  });
  expect(await stored(row.id)).not.toContain('a-new-secret');
  expect(webhookSecret((await findWebhook(database.db, row.id))!, secrets)).toBe('a-new-secret-0123456789');
  // Bound to its row: another subscription's sealed secret does not open as this one's.
  const other = await createWebhook(database, secrets, 'site-a', {
    url: 'https://pims.example/other',
    secret: 'another-secret-0123456789',
  });
  expect(() => webhookSecret({ ...other, secret: row.secret }, secrets)).toThrow(/cannot be opened/);
});

it('seals secrets stored in the clear before, once, and leaves sealed ones alone', async () => {
  await database.write((tx) =>
    tx.insert(webhooks).values({
      id: 'whk_legacy',
      siteId: 'site-a',
      url: 'https://pims.example/legacy',
      secret: 'legacy-plain-secret',
      cursor: 0,
    }),
  );
  expect(await sealStoredWebhookSecrets(database, secrets)).toBe(1);
  expect(await stored('whk_legacy')).not.toContain('legacy-plain-secret');
  expect(webhookSecret((await findWebhook(database.db, 'whk_legacy'))!, secrets)).toBe('legacy-plain-secret');
  expect(await sealStoredWebhookSecrets(database, secrets)).toBe(0);
});
