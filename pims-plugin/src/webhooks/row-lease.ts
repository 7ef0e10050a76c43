import { and, eq, isNull, lt, or, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Database } from '../db/database.js';

/** A table whose rows one plugin instance at a time works on: a webhook subscription, a connector. */
export type LeasedTable = SQLiteTable & {
  id: SQLiteColumn;
  leaseOwner: SQLiteColumn;
  leaseUntil: SQLiteColumn;
};

/**
 * Takes or renews the right to work on row `id` until `until`; false while another instance holds
 * an unexpired lease, or when the row fails `also`.
 */
export async function claimRowLease(
  database: Database,
  table: LeasedTable,
  lease: { id: string; owner: string; now: number; until: number; also?: SQL },
): Promise<boolean> {
  return database.write(async (tx) => {
    const rows = await tx
      .update(table)
      .set({ leaseOwner: lease.owner, leaseUntil: lease.until })
      .where(
        and(
          eq(table.id, lease.id),
          lease.also,
          or(isNull(table.leaseOwner), eq(table.leaseOwner, lease.owner), lt(table.leaseUntil, lease.now)),
        ),
      )
      .returning({ id: table.id });
    return rows.length > 0;
  });
}

/** On a clean stop: another instance may take over at once what `owner` held. */
export async function releaseRowLeases(database: Database, table: LeasedTable, owner: string): Promise<void> {
  await database.write((tx) =>
    tx.update(table).set({ leaseOwner: null, leaseUntil: null }).where(eq(table.leaseOwner, owner)),
  );
}
