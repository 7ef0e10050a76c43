import { eq, sql } from 'drizzle-orm';
import { ageSeconds, countOf } from '@lightbox/runtime/metrics';
import type { Database } from '../db/database.js';
import { agentOutbox, agents, webhooks } from '../db/schema.js';

/** Queue depths read from the database at each scrape: the same numbers on every plugin instance. */
export function pluginGauges(database: Database) {
  const { db } = database;
  return [
    {
      name: 'lightbox_plugin_agents_connected',
      help: 'Agents linked now, to this plugin instance or another on the same database.',
      read: () =>
        countOf(
          db
            .select({ n: sql<number>`count(*)` })
            .from(agents)
            .where(eq(agents.connected, true)),
        ),
    },
    {
      name: 'lightbox_plugin_outbox_depth',
      help: 'Messages for agents (worklist, probes) not yet acknowledged by them.',
      read: () => countOf(db.select({ n: sql<number>`count(*)` }).from(agentOutbox)),
    },
    {
      name: 'lightbox_plugin_outbox_lag_seconds',
      help: 'Age of the oldest message an agent has not acknowledged; 0 when none waits.',
      read: async () => {
        const [row] = await db
          .select({ oldest: sql<string | null>`min(${agentOutbox.createdAt})` })
          .from(agentOutbox);
        return ageSeconds(row?.oldest);
      },
    },
    {
      name: 'lightbox_plugin_webhooks_failed',
      help: 'Webhook subscriptions stopped after their retry period (waiting for POST /v1/webhooks/{id}/resume).',
      read: () =>
        countOf(
          db
            .select({ n: sql<number>`count(*)` })
            .from(webhooks)
            .where(eq(webhooks.status, 'failed')),
        ),
    },
  ];
}
