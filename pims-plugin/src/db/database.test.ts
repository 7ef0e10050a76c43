import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from './database.js';
import { sites } from './schema.js';

/**
 * Another process holding the write lock of a shared database file: this process's writes wait for
 * it and then go through, and keep going through afterwards (no connection is left on a stale
 * snapshot by a failed attempt). The other process is a real one, since SQLite's wait blocks the
 * waiting thread.
 */
let dir: string;
let file: string;
let database: Database;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lightbox-db-'));
  file = path.join(dir, 'plugin.db');
  database = await openDatabase(`file:${file}`);
});

afterAll(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Another process: takes the write lock, writes a site, says so, holds the lock `holdMs`, commits. */
function holdWriteLock(
  holdMs: number,
  siteId: string,
): Promise<{ locked: Promise<void>; done: Promise<void> }> {
  const script = `
    const Database = require('libsql');
    const db = new Database(${JSON.stringify(file)});
    db.prepare('BEGIN IMMEDIATE').run();
    db.prepare("INSERT INTO sites (id, name) VALUES (?, 'other process')").run(${JSON.stringify(siteId)});
    process.stdout.write('locked\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
    db.prepare('COMMIT').run();
  `;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: path.dirname(new URL(import.meta.url).pathname),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    child.once('exit', () => reject(new Error('the other process ended before taking the lock')));
  });
  const done = new Promise<void>((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`other process: exit ${code}`)))),
  );
  return Promise.resolve({ locked, done });
}

it('a write waits for another process to commit, then both writes are there', async () => {
  const other = await holdWriteLock(400, 'site_other_1');
  await other.locked;
  const started = Date.now();
  await database.write((tx) => tx.insert(sites).values({ id: 'site_here_1', name: 'this process' }));
  const waited = Date.now() - started;
  await other.done;
  expect(waited).toBeGreaterThanOrEqual(300);
  const ids = (await database.db.select({ id: sites.id }).from(sites)).map((r) => r.id);
  expect(ids).toEqual(expect.arrayContaining(['site_other_1', 'site_here_1']));
});

it("after meeting another process's lock again and again, later writes still commit at once", async () => {
  for (let i = 0; i < 5; i++) {
    const other = await holdWriteLock(50, `site_other_${i + 2}`);
    await other.locked;
    await database.write((tx) => tx.insert(sites).values({ id: `site_here_${i + 2}`, name: 'this process' }));
    await other.done;
  }
  const started = Date.now();
  for (let i = 0; i < 20; i++) {
    await database.write((tx) =>
      tx.run(sql`UPDATE ${sites} SET name = ${`pass ${i}`} WHERE id = 'site_here_1'`),
    );
  }
  expect(Date.now() - started).toBeLessThan(2_000);
  const [row] = await database.db.select({ n: sql<number>`count(*)` }).from(sites);
  expect(row!.n).toBeGreaterThanOrEqual(12);
});
