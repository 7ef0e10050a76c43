/**
 * Commits rows that become ready at the same moment in one transaction: each commit costs the
 * journal an fsync, so instances finishing together on several associations share one. A row never
 * waits for a timer — a batch starts as soon as the previous one is done, with whatever queued
 * meanwhile; a lone association sees no delay.
 */
export class GroupCommit<Row> {
  private queue: { row: Row; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private running = false;

  constructor(
    /** Writes and commits all rows, or none. */
    private readonly commit: (rows: Row[]) => Promise<void>,
    private readonly maxBatch = 64,
  ) {}

  /** Resolves once the row is committed (durable, as the database's commit is). */
  add(row: Row): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.commit(batch.map((b) => b.row));
          for (const b of batch) b.resolve();
        } catch (err) {
          if (batch.length === 1) {
            batch[0]!.reject(err);
            continue;
          }
          // One bad row must not fail its neighbours: each is tried again on its own.
          for (const b of batch) await this.commit([b.row]).then(b.resolve, b.reject);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
