import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { openDatabase, type Database } from '../db/database.js';
import { auditLog } from '../db/schema.js';
import { startInProcessPlugin, type InProcessPlugin } from '../test-support/in-process-plugin.js';
import { SecretBox } from '../security/secret-box.js';
import { EmbedLinks } from './embed-links.js';

let p: InProcessPlugin;
let database: Database;
let links: EmbedLinks;

beforeAll(async () => {
  p = await startInProcessPlugin({ LIGHTBOX_PUBLIC_URL: 'https://imaging.example.vet/' });
  // Links are checked as a second plugin instance on the same database and key would check them.
  database = await openDatabase(p.config.databaseUrl);
  links = new EmbedLinks(database, SecretBox.open(undefined, p.dir), p.config.publicBaseUrl);
});
afterAll(async () => {
  database.close();
  await p.close();
});

async function link(body: unknown): Promise<{ url: string; expiresAt: string }> {
  const res = await p.api('POST', '/v1/embed-links', body);
  expect(res.status).toBe(201);
  return (await res.json()) as { url: string; expiresAt: string };
}

const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

describe('POST /v1/embed-links', () => {
  it('answers a link under the public URL, for 15 minutes by default, whatever the Host header says', async () => {
    const res = await p.plugin.app.request('/v1/embed-links', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${p.config.apiKey!}`,
        'content-type': 'application/json',
        host: 'evil.example',
      },
      body: JSON.stringify({ pimsPatientId: 'P 100/ä' }),
    });
    expect(res.status).toBe(201);
    const { url, expiresAt } = (await res.json()) as { url: string; expiresAt: string };
    expect(url.startsWith('https://imaging.example.vet/embed/patients/P%20100%2F%C3%A4/imaging?token=')).toBe(
      true,
    );
    const ttl = (Date.parse(expiresAt) - Date.now()) / 1000;
    expect(ttl).toBeGreaterThan(890);
    expect(ttl).toBeLessThanOrEqual(900);
    expect(await links.verify(tokenOf(url), 'P 100/ä')).toMatchObject({ s: 'default', p: 'P 100/ä' });
  });

  it.each([
    [{ pimsPatientId: 'P1', ttlSeconds: 0 }, 'ttlSeconds'],
    [{ pimsPatientId: 'P1', ttlSeconds: 43_201 }, 'ttlSeconds'],
    [{ pimsPatientId: 'P1', ttlSeconds: 1e12 }, 'ttlSeconds'],
    [{ pimsPatientId: 'P1', ttlSeconds: '900' }, 'ttlSeconds'],
    [{ pimsPatientId: '' }, 'pimsPatientId'],
    [{ pimsPatientId: 'x'.repeat(65) }, 'pimsPatientId'],
    [{ pimsPatientId: 'P1', admin: true }, ''],
  ])('refuses %j with 422 naming %s', async (body, field) => {
    const res = await p.api('POST', '/v1/embed-links', body);
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toContain(field);
  });

  it('refuses a study that is not of this site', async () => {
    const res = await p.api('POST', '/v1/embed-links', { pimsPatientId: 'P1', studyId: 'stu_nope' });
    expect(res.status).toBe(404);
  });

  it('needs the API key', async () => {
    expect((await p.api('POST', '/v1/embed-links', { pimsPatientId: 'P1' }, null)).status).toBe(401);
  });
});

describe('checking a link', () => {
  it('is refused for another patient, once expired, and when changed in any way', async () => {
    const { url } = await link({ pimsPatientId: 'P1', ttlSeconds: 60 });
    const token = tokenOf(url);
    expect(await links.verify(token, 'P1')).not.toBeNull();
    expect(await links.verify(token, 'P2')).toBeNull();
    expect(await links.verify(token, 'P1', Date.now() + 61_000)).toBeNull();
    const [payload, signature] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, p: 'P2' })).toString('base64url');
    expect(await links.verify(`${forged}.${signature}`, 'P2')).toBeNull();
    const longer = Buffer.from(JSON.stringify({ ...claims, e: (claims.e as number) + 86_400 })).toString(
      'base64url',
    );
    expect(await links.verify(`${longer}.${signature}`, 'P1')).toBeNull();
    expect(await links.verify(`${payload}.${signature.slice(1)}A`, 'P1')).toBeNull();
    expect(await links.verify('garbage', 'P1')).toBeNull();
    expect(await links.verify('x'.repeat(100_000), 'P1')).toBeNull();
  });

  it('stops working for every link once the site rotates its key, and the rotation is audited', async () => {
    const { url } = await link({ pimsPatientId: 'P1', user: { id: 'U7', name: 'Dr Jane Doe' } });
    expect(await links.verify(tokenOf(url), 'P1')).toMatchObject({ u: { id: 'U7', name: 'Dr Jane Doe' } });
    const res = await p.api('POST', '/v1/embed-links/rotate-secret');
    expect(res.status).toBe(200);
    // Another instance sees the rotation within its key cache's lifetime.
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await links.verify(tokenOf(url), 'P1')).toBeNull();
    const fresh = await link({ pimsPatientId: 'P1' });
    expect(await links.verify(tokenOf(fresh.url), 'P1')).not.toBeNull();
    const rows = await database.db.select().from(auditLog).where(eq(auditLog.subjectType, 'site'));
    expect(rows).toEqual([
      expect.objectContaining({ action: 'embed_secret.rotated', actorType: 'api_key', subjectId: 'default' }),
    ]);
  });
});
