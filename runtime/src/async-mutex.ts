/**
 * Serialises async critical sections in one process. libsql allows one writer per database, and a
 * second concurrent write transaction fails with SQLITE_BUSY instead of waiting, so every write
 * goes through one of these.
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => {
      release = r;
    });
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}
