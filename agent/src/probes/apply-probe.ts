import { sql } from 'drizzle-orm';
import type { ProbeMessage } from '@lightbox/protocol';
import type { AgentTx } from '../db/agent-database.js';
import { probes } from '../db/schema.js';
import { enqueueForPlugin } from '../outbox/outbox-to-plugin.js';

/**
 * Records a link check and answers it through our own outbox in the same transaction. The reply
 * carries how often this probe was applied, so a repeated apply would be visible at the plugin.
 */
export async function applyProbe(tx: AgentTx, seq: number, probe: ProbeMessage): Promise<void> {
  const [row] = await tx
    .insert(probes)
    .values({ probeId: probe.probeId, n: probe.n, appliedCount: 1, inSeq: seq })
    .onConflictDoUpdate({
      target: [probes.probeId, probes.n],
      set: { appliedCount: sql`${probes.appliedCount} + 1`, inSeq: seq },
    })
    .returning({ appliedCount: probes.appliedCount });
  await enqueueForPlugin(tx, [
    { kind: 'probe.reply', probeId: probe.probeId, n: probe.n, appliedCount: row!.appliedCount },
  ]);
}
