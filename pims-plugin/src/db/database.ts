import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsyncMutex } from '@lightbox/protocol';
import * as schema from './schema.js';

export type Db = LibSQLDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  db: Db;
  client: Client;
  /** Runs a write transaction; one at a time per process, because libsql fails concurrent writers. */
  write<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): void;
}

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'drizzle');

export async function openDatabase(url: string, authToken?: string): Promise<Database> {
  const client = createClient({ url, ...(authToken ? { authToken } : {}) });
  if (url.startsWith('file:')) {
    // WAL lets readers (the API) run beside the writer; it is a property of the file, so it sticks.
    await client.execute('PRAGMA journal_mode=WAL');
  }
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  const lock = new AsyncMutex();
  return {
    db,
    client,
    write: (work) => lock.run(() => db.transaction(work, { behavior: 'immediate' })),
    close: () => {
      client.close();
    },
  };
}
