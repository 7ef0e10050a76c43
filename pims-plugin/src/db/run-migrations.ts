import { createClient, type Client } from '@libsql/client';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { BUSY_TIMEOUT_MS, retryWhileBusy } from './busy-retry.js';

/** drizzle's own bookkeeping table, so databases migrated before keep their history. */
const TABLE = '"__drizzle_migrations"';

/**
 * Applies the migrations the database lacks. Several plugin processes may start at once on one
 * database: each reads what is applied and applies the rest inside one write transaction, so the
 * second waits for the first and then finds nothing to do, instead of applying a migration twice
 * or failing on a table the first just made. Returns how many this process applied.
 */
export async function runMigrations(
  url: string,
  authToken: string | undefined,
  migrationsFolder: string,
  shared: Client,
): Promise<number> {
  const migrations = readMigrationFiles({ migrationsFolder });
  if (!url.startsWith('file:')) return retryWhileBusy(() => applyPending(shared, migrations), 60_000);
  // Foreign keys must be off on the very connection that migrates (a table rebuild needs them off,
  // and the pragma is ignored inside a transaction): an in-memory database has one connection, a
  // file gets a one-connection client of its own.
  const inMemory = url.includes(':memory:');
  const own = inMemory
    ? shared
    : createClient({ url, concurrency: 1, timeout: BUSY_TIMEOUT_MS, ...(authToken ? { authToken } : {}) });
  try {
    return await retryWhileBusy(async () => {
      await own.execute('PRAGMA foreign_keys=OFF');
      try {
        return await applyPending(own, migrations);
      } finally {
        await own.execute('PRAGMA foreign_keys=ON');
      }
    }, 60_000);
  } finally {
    if (!inMemory) own.close();
  }
}

async function applyPending(
  client: Client,
  migrations: ReturnType<typeof readMigrationFiles>,
): Promise<number> {
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
