import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsyncMutex } from '@lightbox/protocol';
import * as schema from './schema.js';
import { linkState } from './schema.js';

export type AgentDb = LibSQLDatabase<typeof schema>;
export type AgentTx = Parameters<Parameters<AgentDb['transaction']>[0]>[0];

/**
 * The agent's journal: a libsql file on the modality PC. Its default synchronous=FULL in WAL mode
 * fsyncs every commit, which is what lets the agent tell a modality "success" only when it is true.
 */
export interface AgentDatabase {
  db: AgentDb;
  client: Client;
  /** One write transaction at a time: libsql fails a second concurrent writer instead of waiting. */
  write<T>(work: (tx: AgentTx) => Promise<T>): Promise<T>;
  close(): void;
}

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'drizzle');

export async function openAgentDatabase(file: string): Promise<AgentDatabase> {
  const client = createClient({ url: `file:${file}` });
  await client.execute('PRAGMA journal_mode=WAL');
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  await db.insert(linkState).values({ id: 1 }).onConflictDoNothing();
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
