/**
 * How long SQLite itself waits for a lock another process on the same database file holds (its
 * busy timeout). It waits inside the call, so this process's event loop waits with it, but only
 * while the other process commits a transaction, and waiting is the one safe way: libsql leaves a
 * statement that failed with SQLITE_BUSY unfinished, and its connection then keeps an old snapshot
 * and fails every later write with SQLITE_BUSY until the statement is garbage-collected. A libsql
 * server orders writers itself and ignores this.
 */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * A transaction that still failed with SQLITE_BUSY was rolled back: it is run again after a short
 * async pause with jitter, until `withinMs` has passed. Write callbacks only touch the database
 * (side effects such as waking listeners run after the commit), which makes a rerun safe.
 */
export async function retryWhileBusy<T>(run: () => Promise<T>, withinMs = 10_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!isBusy(err) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt * 5) * (0.5 + Math.random())));
    }
  }
}

export function isBusy(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (/SQLITE_BUSY/.test(String(code)) || /SQLITE_BUSY|database is locked/.test(String(message)))
      return true;
  }
  return false;
}
