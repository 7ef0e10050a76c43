import { createClient, type Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsyncMutex, keepOwnerOnly } from '@lightbox/protocol';
import * as schema from './schema.js';

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
  const client = createClient({ url, ...(authToken ? { authToken } : {}) });
  if (url.startsWith('file:')) {
    // WAL lets readers (the API) run beside the writer; it is a property of the file, so it sticks.
    await client.execute('PRAGMA journal_mode=WAL');
    const file = url.slice('file:'.length).replace(/\?.*$/, '');
    keepOwnerOnly([file, `${file}-wal`, `${file}-shm`]);
  }
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
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

/**
 * Another plugin process on the same database file holds the write lock: BEGIN IMMEDIATE fails at
 * once with SQLITE_BUSY (libsql's own busy timeout would block the event loop), and under that
 * contention a COMMIT can fail with SQLITE_BUSY too. Either way the transaction is rolled back, so
 * the work is run again after a short async pause, for up to 10 s. Write callbacks only touch the
 * database (side effects such as waking listeners run after the commit), which makes a rerun safe.
 * A libsql server serialises writers itself and never gets here.
 */
async function retryWhileBusy<T>(run: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!isBusy(err) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt * 5) * (0.5 + Math.random())));
    }
  }
}

function isBusy(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (/SQLITE_BUSY/.test(String(code)) || /SQLITE_BUSY|database is locked/.test(String(message)))
      return true;
  }
  return false;
}
