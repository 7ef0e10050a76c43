import { sql } from 'drizzle-orm';

/**
 * Walks stored instances in arrival order looking for those a worker has not yet done (no
 * delivery, no forward), without re-reading the ones it already finished. A spool holds a year of
 * studies; a query that anti-joins every stored row on each pass would take longer, and block the
 * event loop longer, as the spool grows.
 *
 * Rows never leave `stored_instances`, each new one takes a larger rowid, and a row once done
 * stays done. So when a read from the done mark finds its first pending row at rowid r, every row
 * below r is done for good and later reads start there. After a restart the first read walks the
 * whole table once.
 *
 * Rows handed out are claimed: the next read continues after them, so a worker can hold rows it
 * has not finished yet. `rewind` gives the claims up; whatever was not done is then found again.
 */
export class PendingInstanceScan<Row> {
  /** Every stored instance with a rowid at or below this one is done. */
  private doneThrough = 0;
  /** Reads continue after this rowid; never below `doneThrough`. */
  private claimedThrough = 0;

  constructor(
    /**
     * Pending rows with a rowid above `afterRowid`, oldest first, each with its rowid as `rowid`.
     * What makes a row pending is the caller's condition (its own left join).
     */
    private readonly query: (afterRowid: number, limit: number) => Promise<(Row & { rowid: number })[]>,
  ) {}

  async next(limit: number): Promise<(Row & { rowid: number })[]> {
    const fromDoneMark = this.claimedThrough === this.doneThrough;
    const rows = await this.query(this.claimedThrough, limit);
    if (rows.length === 0) return rows;
    if (fromDoneMark) this.doneThrough = Math.max(this.doneThrough, rows[0]!.rowid - 1);
    this.claimedThrough = Math.max(this.claimedThrough, rows[rows.length - 1]!.rowid);
    return rows;
  }

  /** Forgets the claims: the next read starts again from the first row not known to be done. */
  rewind(): void {
    this.claimedThrough = this.doneThrough;
  }
}

/** The rowid of a `stored_instances` row, for selecting beside its columns. */
export const storedRowid = sql<number>`stored_instances.rowid`;
