import { keepOwnerOnly } from '@lightbox/runtime';
import { createClient, type Client, type InStatement } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsyncMutex } from '@lightbox/runtime';
import { CoalescedFsync } from '../disk/coalesced-fsync.js';
import { HeldDescriptors } from '../disk/held-descriptors.js';
import * as schema from './schema.js';
import { linkState } from './schema.js';

export type AgentDb = LibSQLDatabase<typeof schema>;
export type AgentTx = Parameters<Parameters<AgentDb['transaction']>[0]>[0];

/**
 * The agent's journal: a libsql file on the modality PC. `write` resolves only once its commit is
 * on disk, which is what lets the agent tell a modality "success" only when it is true.
 *
 * How: libsql runs SQLite synchronously on the calling thread, so synchronous=FULL would fsync the
 * WAL on the event loop at every commit — milliseconds each, far more while large images are being
 * written — and every DICOM answer, C-ECHO included, would wait behind it. Instead connections run
 * synchronous=NORMAL (a commit only writes the WAL) and `write` then fdatasyncs the WAL file from
 * the thread pool, through a descriptor held open, shared by the commits that land meanwhile. A
 * commit is durable exactly when it would have been under FULL; the event loop never waits for the
 * disk. (NORMAL alone would not do: a power cut could lose commits that were already reported.)
 */
export interface AgentDatabase {
  db: AgentDb;
  client: Client;
  /** One write transaction at a time: libsql fails a second concurrent writer instead of waiting. */
  write<T>(work: (tx: AgentTx) => Promise<T>): Promise<T>;
  /**
   * Plain statements in one write transaction, durable as `write` is: for the per-instance rows of
   * a storage burst, where building each statement through drizzle and its transaction cost more
   * CPU than the commit (see `insertStatement`).
   */
  writeBatch(statements: InStatement[]): Promise<void>;
  close(): void;
}

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'drizzle');

export async function openAgentDatabase(file: string): Promise<AgentDatabase> {
  const client = createClient({ url: `file:${file}` });
  await client.execute('PRAGMA journal_mode=WAL');
  keepOwnerOnly([file, `${file}-wal`, `${file}-shm`]);
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  await db.insert(linkState).values({ id: 1 }).onConflictDoNothing();
  const wal = `${file}-wal`;
  const walFile = new HeldDescriptors('r+', 1);
  const walSync = new CoalescedFsync(async (walPath) => {
    try {
      await walFile.fdatasync(walPath);
    } catch (err) {
      // No WAL: the last checkpoint moved everything into the database file and synced it.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  });
  // The WAL exists now (the writes above made it): its folder entry is made durable once, as
  // SQLite itself does for a new WAL under FULL.
  await fsyncFolder(path.dirname(file));
  const lock = new AsyncMutex();
  // Per connection, and the pool may open new ones: set before each write, where it costs nothing
  // (SQLite refuses to change it inside a transaction). A connection that missed it stays on FULL:
  // slower, never less durable.
  const normalSync = () => client.execute('PRAGMA synchronous=NORMAL');
  return {
    db,
    client,
    write: async (work) => {
      const result = await lock.run(async () => {
        await normalSync();
        return db.transaction(work, { behavior: 'immediate' });
      });
      await walSync.sync(wal);
      return result;
    },
    writeBatch: async (statements) => {
      await lock.run(async () => {
        await normalSync();
        // BEGIN IMMEDIATE … COMMIT on one connection; rolled back whole when a statement fails.
        await client.batch(statements, 'write');
      });
      await walSync.sync(wal);
    },
    close: () => {
      client.close();
      walFile.close();
    },
  };
}

async function fsyncFolder(dir: string): Promise<void> {
  // Windows cannot open a folder for fsync; NTFS journals the entry itself.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
