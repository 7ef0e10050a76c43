import { createClient, type Client } from '@libsql/client';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { BUSY_TIMEOUT_MS, isBusy } from './busy-retry.js';

/** drizzle's own bookkeeping table, so databases migrated before keep their history. */
const TABLE = '"__drizzle_migrations"';

type Migrations = ReturnType<typeof readMigrationFiles>;

/**
 * Brings the database up to date before the process uses it. Several plugin processes may start at
 * once on one database: each reads what is applied and applies the rest inside one write
 * transaction, so the second waits for the first and then finds nothing to do, instead of applying
 * a migration twice or failing on a table the first just made. Returns how many this process
 * applied.
 *
 * A file is switched to WAL and migrated on a connection of its own, opened for each attempt and
 * closed after it: two processes switching a new file to WAL at once can make one fail at once with
 * SQLITE_BUSY (SQLite's way out of a deadlock), and a connection that saw that keeps its lock until
 * it is closed. Foreign keys are off on that connection, as a table rebuild needs (the pragma is
 * ignored inside a transaction).
 */
export async function runMigrations(
  url: string,
  authToken: string | undefined,
  migrationsFolder: string,
  inMemory?: Client,
): Promise<number> {
  const migrations = readMigrationFiles({ migrationsFolder });
  if (inMemory) return onConnection(inMemory, migrations, false);
  const deadline = Date.now() + 60_000;
  for (let attempt = 0; ; attempt++) {
    const own = createClient({
      url,
      concurrency: 1,
      timeout: BUSY_TIMEOUT_MS,
      ...(authToken ? { authToken } : {}),
    });
    try {
      return await onConnection(own, migrations, url.startsWith('file:'));
    } catch (err) {
      if (!isBusy(err) || Date.now() > deadline) throw err;
    } finally {
      own.close();
    }
    await new Promise((r) => setTimeout(r, Math.min(200, 10 + attempt * 20) * (0.5 + Math.random())));
  }
}

async function onConnection(client: Client, migrations: Migrations, file: boolean): Promise<number> {
  // WAL lets readers (the API, other plugin processes) run beside the writer; it is a property of
  // the file, so it sticks.
  if (file) await client.execute('PRAGMA journal_mode=WAL');
  if (file) await client.execute('PRAGMA foreign_keys=OFF');
  try {
    return await applyPending(client, migrations);
  } finally {
    if (file) await client.execute('PRAGMA foreign_keys=ON');
  }
}

async function applyPending(client: Client, migrations: Migrations): Promise<number> {
  const tx = await client.transaction('write');
  try {
    await tx.execute(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`,
    );
    const { rows } = await tx.execute(`SELECT created_at FROM ${TABLE} ORDER BY created_at DESC LIMIT 1`);
    const last = rows[0] ? Number(rows[0][0]) : -Infinity;
    let applied = 0;
    for (const migration of migrations) {
      if (migration.folderMillis <= last) continue;
      for (const statement of migration.sql) if (statement.trim()) await tx.execute(statement);
      await tx.execute({
        sql: `INSERT INTO ${TABLE} ("hash", "created_at") VALUES (?, ?)`,
        args: [migration.hash, migration.folderMillis],
      });
      applied++;
    }
    await tx.commit();
    return applied;
  } finally {
    tx.close();
  }
}
