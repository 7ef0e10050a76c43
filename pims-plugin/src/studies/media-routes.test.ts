import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/database.js';
import { sites } from '../db/schema.js';
import { EmbedLinks } from '../embed/embed-links.js';
import { startInProcessPlugin, type InProcessPlugin } from '../test-support/in-process-plugin.js';
import { SecretBox } from '../security/secret-box.js';
import { MediaLinks } from './media-links.js';
import { MediaStore } from './media-store.js';

let p: InProcessPlugin;
let database: Database;
let links: MediaLinks;
let sha: string;

beforeAll(async () => {
  p = await startInProcessPlugin({ LIGHTBOX_PUBLIC_URL: 'https://imaging.example.vet' });
  // URLs are made as another plugin instance on the same database and key would make them.
  database = await openDatabase(p.config.databaseUrl);
  await database.write((tx) => tx.insert(sites).values({ id: 'site-b', name: 'B' }));
  const embed = new EmbedLinks(database, SecretBox.open(undefined, p.dir), p.config.publicBaseUrl);
  links = new MediaLinks(embed, p.config.media, '');
  sha = await new MediaStore(path.join(p.dir, 'media')).put(Buffer.from('a thumbnail'), 'jpg');
});
afterAll(async () => {
  database.close();
  await p.close();
});

const get = (url: string, headers: Record<string, string> = {}) => p.plugin.app.request(url, { headers });

describe('media URLs', () => {
  it('serve the site’s signed URL with a strong ETag, 304 on revalidation, cached until expiry', async () => {
    const url = (await links.linker('default'))(sha, 'jpg');
    expect(url).toMatch(/^\/media\/default\/\d+\/[A-Za-z0-9_-]{32}\/[0-9a-f]{64}\.jpg$/);
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('a thumbnail');
    expect(res.headers.get('etag')).toBe(`"${sha}"`);
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control')!)![1]);
    expect(maxAge).toBeGreaterThan(86_000);
    expect(maxAge).toBeLessThanOrEqual(86_400 + 900);
    expect((await get(url, { 'if-none-match': `"${sha}"` })).status).toBe(304);
  });

  it('refuse a changed, expired, other-site or bare URL with the same 403', async () => {
    const good = (await links.linker('default'))(sha, 'jpg');
    const [, , site, expires, signature, file] = good.split('/');
    const ofB = (await links.linker('site-b'))(sha, 'jpg');
    const bad = [
      `/media/site-b/${expires}/${signature}/${file}`,
      `/media/${site}/${Number(expires) + 900}/${signature}/${file}`,
      // its last character changed (to one it is not)
      `/media/${site}/${expires}/${signature!.slice(0, -1)}${signature!.endsWith('A') ? 'B' : 'A'}/${file}`,
      `/media/${site}/${expires}/${signature}/${file!.replace('.jpg', '.png')}`,
      // site B's own URL, turned to site A: the signature is B's.
      ofB.replace('/site-b/', '/default/'),
      (await links.linker('default', { expires: Math.floor(Date.now() / 1000) - 1 }))(sha, 'jpg'),
      `/media/${site}/${expires}/${signature}/..%2F..%2Fplugin.db`,
      `/media/nope/${expires}/${signature}/${file}`,
    ];
    for (const url of bad) {
      const res = await get(url);
      expect(res.status, url).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    const bare = await get(`/media/${sha}.jpg`);
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as { detail: string }).detail).toContain('LIGHTBOX_MEDIA_BARE_URLS');
    // Site B's URL works for site B: the image exists, only the capability differs.
    expect((await get(ofB)).status).toBe(200);
  });

  it('stop working once the site rotates its link key', async () => {
    const url = (await links.linker('site-b'))(sha, 'jpg');
    expect((await get(url)).status).toBe(200);
    await database.write(async (tx) => {
      const embed = new EmbedLinks(database, SecretBox.open(undefined, p.dir), '');
      await embed.rotate(tx, 'site-b');
    });
    // The serving instance sees the rotation within its key cache's lifetime.
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await get(url)).status).toBe(403);
  });
});

describe('bare media URLs, switched on', () => {
  it('are handed out and served, for a year', async () => {
    const bareOn = await startInProcessPlugin({ LIGHTBOX_MEDIA_BARE_URLS: 'true' });
    try {
      const s = await new MediaStore(path.join(bareOn.dir, 'media')).put(Buffer.from('x'), 'png');
      const res = await bareOn.plugin.app.request(`/media/${s}.png`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await bareOn.plugin.app.request(`/media/${'0'.repeat(64)}.png`)).status).toBe(404);
    } finally {
      await bareOn.close();
    }
  });
});
