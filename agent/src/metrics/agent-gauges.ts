import { isNull, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { ageSeconds, countOf } from '@lightbox/runtime/metrics';
import type { AgentDatabase } from '../db/agent-database.js';
import { sameInstanceVersion } from '../db/same-instance-version.js';
import { instanceDeliveries, instanceForwards, outbox, spoolPurges, storedInstances } from '../db/schema.js';

type Db = AgentDatabase['db'];

/** Messages for the plugin not yet acknowledged by it. */
export const outboxCount = (db: Db): Promise<number> =>
  countOf(db.select({ n: sql<number>`count(*)` }).from(outbox));

/** Stored instances with no row yet in `table` (or one whose `column` is still empty). */
function notYetIn(db: Db, table: typeof instanceDeliveries | typeof instanceForwards, column: SQLiteColumn) {
  return countOf(
    db
      .select({ n: sql<number>`count(*)` })
      .from(storedInstances)
      .leftJoin(table, sameInstanceVersion(table))
      .where(isNull(column)),
  );
}

/** Stored instances not yet rendered and handed to the link. */
export const deliveryDepth = (db: Db): Promise<number> =>
  notYetIn(db, instanceDeliveries, instanceDeliveries.outSeq);

/** Stored instances the PACS has not taken yet (and not given up on). */
export const forwardDepth = (db: Db): Promise<number> =>
  notYetIn(db, instanceForwards, instanceForwards.outcome);

/** Files in the spool and their bytes, from the journal: the retention policy has not removed them. */
export async function spoolUsage(db: Db): Promise<{ bytes: number; files: number }> {
  const [row] = await db
    .select({
      bytes: sql<number>`coalesce(sum(${storedInstances.fileBytes}), 0)`,
      files: sql<number>`count(*)`,
    })
    .from(storedInstances)
    .leftJoin(spoolPurges, sameInstanceVersion(spoolPurges))
    .where(isNull(spoolPurges.purgedAt));
  return { bytes: row?.bytes ?? 0, files: row?.files ?? 0 };
}

/** The queues a practice watches, read from the journal at each scrape (every 15 s or so). */
export function agentGauges(opts: {
  database: AgentDatabase;
  renderQueueDepth: () => number;
  diskFreeBytes: () => number;
  forwarding: boolean;
}) {
  const { db } = opts.database;
  const gauges = [
    {
      name: 'lightbox_agent_outbox_depth',
      help: 'Messages for the plugin not yet acknowledged by it.',
      read: () => outboxCount(db),
    },
    {
      name: 'lightbox_agent_outbox_lag_seconds',
      help: 'Age of the oldest message the plugin has not acknowledged; 0 when none waits.',
      read: async () => {
        const [row] = await db.select({ oldest: sql<string | null>`min(${outbox.createdAt})` }).from(outbox);
        return ageSeconds(row?.oldest);
      },
    },
    {
      name: 'lightbox_agent_delivery_depth',
      help: 'Stored instances not yet rendered and handed to the link.',
      read: () => deliveryDepth(db),
    },
    {
      name: 'lightbox_agent_render_queue_depth',
      help: 'Renders waiting or running in the thread pool.',
      read: opts.renderQueueDepth,
    },
    {
      name: 'lightbox_agent_spool_free_bytes',
      help: "Free space in the spool's file system.",
      read: opts.diskFreeBytes,
    },
  ];
  if (opts.forwarding)
    gauges.push({
      name: 'lightbox_agent_forward_depth',
      help: 'Stored instances the PACS has not taken yet (and not given up on).',
      read: () => forwardDepth(db),
    });
  return gauges;
}
