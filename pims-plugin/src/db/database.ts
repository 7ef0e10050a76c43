import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsyncMutex, keepOwnerOnly } from '@lightbox/runtime';
import * as schema from './schema.js';
import { BUSY_TIMEOUT_MS, retryWhileBusy } from './busy-retry.js';
import { runMigrations } from './run-migrations.js';

export type Db = LibSQLDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  db: Db;
  client: Client;
  /** Runs a write transaction; one at a time per process, because libsql fails concurrent writers. */
  write<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Calls `listener` after every committed write transaction that `markChanged(tx, topic)` marked,
   * once per transaction; returns the unsubscribe function.
   */
  onCommitted(topic: string, listener: () => void): () => void;
  close(): void;
}

/** Topics each open write transaction changed, heard by `onCommitted` listeners after its commit. */
const changedTopics = new WeakMap<object, Set<string>>();

/**
 * Records that the transaction changed `topic`, so that whoever waits for it (the webhook worker for
 * `events`) is woken right after the commit, never before: a listener reading then sees the rows.
 */
export function markChanged(tx: Tx, topic: string): void {
  changedTopics.get(tx)?.add(topic);
}

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'drizzle');

export async function openDatabase(url: string, authToken?: string): Promise<Database> {
  const open = () => createClient({ url, timeout: BUSY_TIMEOUT_MS, ...(authToken ? { authToken } : {}) });
  let client: Client;
  if (url.includes(':memory:')) {
    // An in-memory database lives on the one connection of its client.
    client = open();
    await runMigrations(url, authToken, migrationsFolder, client);
  } else {
    // Migrated, and a file switched to WAL, on a connection of its own before any other opens.
    await runMigrations(url, authToken, migrationsFolder);
    client = open();
    if (url.startsWith('file:')) {
      const file = url.slice('file:'.length).replace(/\?.*$/, '');
      keepOwnerOnly([file, `${file}-wal`, `${file}-shm`]);
    }
  }
  const db = drizzle(client, { schema });
  const lock = new AsyncMutex();
  const listeners = new Map<string, Set<() => void>>();
  return {
    db,
    client,
    write: async (work) => {
      const topics = new Set<string>();
      const result = await lock.run(() =>
        retryWhileBusy(() =>
          db.transaction(
            (tx) => {
              changedTopics.set(tx, topics);
              return work(tx);
            },
            { behavior: 'immediate' },
          ),
        ),
      );
      for (const topic of topics) {
        for (const listener of listeners.get(topic) ?? []) {
          try {
            listener();
          } catch {
            // A listener's failure must not turn a committed write into a failed one.
          }
        }
      }
      return result;
    },
    onCommitted: (topic, listener) => {
      const set = listeners.get(topic) ?? new Set();
      listeners.set(topic, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    close: () => {
      client.close();
    },
  };
}
