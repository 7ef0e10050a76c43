import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, staffAccounts, staffSessions } from '../db/schema.js';
import { startInProcessPlugin, type InProcessPlugin } from '../test-support/in-process-plugin.js';
import { StaffClient, createStaff } from '../app/test-support/staff-client.js';
import { openDatabase, type Database } from '../db/database.js';
import { hash } from '@node-rs/argon2';
import { PASSWORD_HASH_OPTIONS, hashParameters } from './password-hash.js';

/** Sign-in, sessions, CSRF, lockout and staff links, through the plugin's real routes and database. */
let lb: InProcessPlugin;
let db: Database;

beforeAll(async () => {
  lb = await startInProcessPlugin();
  db = await openDatabase(lb.config.databaseUrl);
});
afterAll(async () => {
  db.close();
  await lb.close();
});

async function auditOf(action: string) {
  const rows = await db.db.select().from(auditLog).where(eq(auditLog.action, action));
  return rows.map((r) => ({
    ...r,
    detail: r.detailJson ? (JSON.parse(r.detailJson) as Record<string, unknown>) : null,
  }));
}

describe('staff sign-in', () => {
  it('sets an HttpOnly, SameSite session cookie and keeps only a hash of it', async () => {
    await createStaff(lb, 'anna', 'technician');
    const browser = new StaffClient(lb);
    const res = await browser.signIn('ANNA', 'correct horse battery staple');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/app/orders');
    const setCookie = res.headers.getSetCookie().find((l) => l.startsWith('lightbox_session='))!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const value = browser.cookies.get('lightbox_session')!;
    const stored = await db.db.select().from(staffSessions);
    expect(stored.some((s) => s.idHash === value)).toBe(false);
    expect(stored.length).toBe(1);
    expect((await auditOf('staff.signed_in')).map((a) => a.actorName)).toEqual(['anna']);
  });

  it('refuses the API without the site key and never shows the hash', async () => {
    expect((await lb.api('GET', '/v1/staff-accounts', undefined, null)).status).toBe(401);
    const list = (await (await lb.api('GET', '/v1/staff-accounts')).json()) as { items: object[] };
    expect(JSON.stringify(list)).not.toMatch(/argon2/);
    const weak = await lb.api('POST', '/v1/staff-accounts', {
      username: 'x<script>',
      displayName: 'X',
      role: 'root',
      password: 'short',
    });
    expect(weak.status).toBe(422);
    const fields = ((await weak.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['username', 'role', 'password']));
  });

  it('locks the account at the fifth wrong password: the sixth attempt is refused even when right', async () => {
    await createStaff(lb, 'bert', 'front-desk');
    const browser = new StaffClient(lb);
    for (let i = 0; i < 5; i++)
      expect((await browser.signIn('bert', `wrong password ${i}!`)).status).toBe(401);
    const sixth = await browser.signIn('bert', 'correct horse battery staple');
    expect(sixth.status).toBe(401);
    expect(browser.cookies.has('lightbox_session')).toBe(false);
    const refused = (await auditOf('staff.sign_in_refused')).filter((a) => a.actorName === 'bert');
    expect(refused.map((a) => a.detail?.reason)).toEqual([
      ...Array<string>(5).fill('bad_password'),
      'locked',
    ]);
    expect((await auditOf('staff_account.locked')).map((a) => a.actorName)).toEqual(['bert']);
  });

  it('refuses a form posted without its CSRF token, and changes nothing', async () => {
    await createStaff(lb, 'cora', 'vet');
    const browser = new StaffClient(lb);
    await browser.signIn('cora', 'correct horse battery staple');
    const before = (await db.db.select().from(staffSessions)).length;
    const res = await browser.post('/app/sign-out', {});
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('could not be verified');
    const forged = await browser.post('/app/sign-out', { _csrf: 'A'.repeat(43) });
    expect(forged.status).toBe(403);
    expect((await db.db.select().from(staffSessions)).length).toBe(before);
    // With its token, the same form works.
    const ok = await browser.post('/app/sign-out', { _csrf: await browser.csrfToken() });
    expect(ok.status).toBe(200);
    expect((await db.db.select().from(staffSessions)).length).toBe(before - 1);
  });

  it('treats a forged or expired session cookie as no session', async () => {
    await createStaff(lb, 'dora', 'admin');
    const forged = new StaffClient(lb);
    forged.cookies.set('lightbox_session', 'x'.repeat(43));
    const res = await forged.get('/app/orders');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/app/sign-in?next=%2Fapp%2Forders');

    const browser = new StaffClient(lb);
    await browser.signIn('dora', 'correct horse battery staple');
    await db.write((tx) =>
      tx.update(staffSessions).set({ expiresAt: new Date(Date.now() - 1000).toISOString() }),
    );
    const expired = await browser.get('/app/orders');
    expect(expired.status).toBe(303);
    const post = await browser.post('/app/sign-out', { _csrf: 'whatever' });
    expect(post.status).toBe(401);
  });

  it('re-hashes a password stored with older, cheaper parameters at the next sign-in', async () => {
    const { id } = await createStaff(lb, 'fritz', 'technician');
    const old = await hash('correct horse battery staple', {
      ...PASSWORD_HASH_OPTIONS,
      memoryCost: 19_456,
      timeCost: 2,
    });
    await db.write((tx) =>
      tx.update(staffAccounts).set({ passwordHash: old }).where(eq(staffAccounts.id, id)),
    );
    const first = new StaffClient(lb);
    expect((await first.signIn('fritz', 'correct horse battery staple')).status).toBe(303);
    const [row] = await db.db.select().from(staffAccounts).where(eq(staffAccounts.id, id));
    expect(row!.passwordHash).not.toBe(old);
    expect(hashParameters(row!.passwordHash)).toMatchObject({
      algorithm: 'argon2id',
      memoryCost: PASSWORD_HASH_OPTIONS.memoryCost,
      timeCost: PASSWORD_HASH_OPTIONS.timeCost,
    });
    const signedIn = (await auditOf('staff.signed_in')).filter((a) => a.actorName === 'fritz');
    expect(signedIn.map((a) => a.detail?.passwordRehashed ?? false)).toEqual([true]);
    // The new hash takes the same password, and is not replaced again.
    const second = new StaffClient(lb);
    expect((await second.signIn('fritz', 'correct horse battery staple')).status).toBe(303);
    const [after] = await db.db.select().from(staffAccounts).where(eq(staffAccounts.id, id));
    expect(after!.passwordHash).toBe(row!.passwordHash);
    // A wrong password does not touch the stored hash either.
    await db.write((tx) =>
      tx.update(staffAccounts).set({ passwordHash: old }).where(eq(staffAccounts.id, id)),
    );
    expect((await new StaffClient(lb).signIn('fritz', 'wrong password here!')).status).toBe(401);
    const [kept] = await db.db.select().from(staffAccounts).where(eq(staffAccounts.id, id));
    expect(kept!.passwordHash).toBe(old);
  });

  it('signs out everywhere: every browser of the account', async () => {
    await createStaff(lb, 'emil', 'technician');
    const one = new StaffClient(lb);
    const two = new StaffClient(lb);
    await one.signIn('emil', 'correct horse battery staple');
    await two.signIn('emil', 'correct horse battery staple');
    const res = await one.post('/app/sign-out-everywhere', { _csrf: await one.csrfToken() });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('2 sessions were ended');
    expect((await two.get('/app/orders')).status).toBe(303);
  });
});

describe('staff links', () => {
  /** The PIMS asks for a link that signs its user U7 in as a vet and lands on `next`. */
  const askForLink = (name: string, next: string) =>
    lb.api('POST', '/v1/staff-links', { user: { id: 'U7', name }, role: 'vet', next });

  it('open a session for the PIMS user once; a replay is refused and recorded', async () => {
    const made = await askForLink('Dr Jane <b>Doe</b>', '/app/reconcile');
    expect(made.status).toBe(201);
    const { url } = (await made.json()) as { url: string };
    const path = url.slice(lb.plugin.url.length === 0 ? 0 : url.indexOf('/app/'));
    const first = new StaffClient(lb);
    const res = await first.get(path);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/app/reconcile');
    expect(first.cookies.has('lightbox_session')).toBe(true);
    const again = new StaffClient(lb);
    const replay = await again.get(path);
    expect(replay.status).toBe(403);
    expect(again.cookies.has('lightbox_session')).toBe(false);
    expect((await auditOf('staff_link.refused')).map((a) => a.detail?.reason)).toEqual(['replayed']);
  });

  it('refuses a link to anywhere but a staff screen', async () => {
    const res = await askForLink('Jane', '//evil.example/app');
    expect(res.status).toBe(422);
  });
});
