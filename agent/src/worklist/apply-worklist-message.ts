import { eq, inArray, lt } from 'drizzle-orm';
import type { PluginToAgentMessage } from '@lightbox/protocol';
import type { AgentTx } from '../db/agent-database.js';
import { worklistItems } from '../db/schema.js';
import type { WorklistCopy } from './worklist-copy.js';

type WorklistMessage = Extract<PluginToAgentMessage, { kind: `worklist.${string}` }>;

/**
 * Applies a worklist change to the journal inside the link's transaction and returns what to do to
 * the in-memory copy once that transaction has committed.
 */
export async function applyWorklistMessage(
  tx: AgentTx,
  msg: WorklistMessage,
  copy: WorklistCopy,
): Promise<() => void> {
  switch (msg.kind) {
    case 'worklist.upsert': {
      const { item } = msg;
      const values = {
        orderId: item.orderId,
        revision: item.revision,
        status: item.status,
        attributesJson: JSON.stringify(item.attributes),
        updatedAt: new Date().toISOString(),
      };
      // A revision never goes backwards: an older copy arriving late is ignored.
      const written = await tx
        .insert(worklistItems)
        .values(values)
        .onConflictDoUpdate({
          target: worklistItems.orderId,
          set: values,
          setWhere: lt(worklistItems.revision, item.revision),
        })
        .returning({ orderId: worklistItems.orderId });
      return written.length > 0 ? () => copy.put(item) : () => undefined;
    }
    case 'worklist.remove':
      await tx.delete(worklistItems).where(eq(worklistItems.orderId, msg.orderId));
      return () => copy.remove(msg.orderId);
    case 'worklist.sync-begin':
      return () => undefined;
    case 'worklist.sync-end': {
      const keep = new Set(msg.orderIds);
      const held = await tx.select({ orderId: worklistItems.orderId }).from(worklistItems);
      const stale = held.map((r) => r.orderId).filter((id) => !keep.has(id));
      // SQLite limits bound parameters per statement: delete in chunks.
      for (let i = 0; i < stale.length; i += 500) {
        await tx.delete(worklistItems).where(inArray(worklistItems.orderId, stale.slice(i, i + 500)));
      }
      return () => copy.retainOnly(keep);
    }
  }
}
