import { eq } from 'drizzle-orm';
import type { Tx } from '../db/database.js';
import { studies, studyAudit } from '../db/schema.js';
import { appendEvent } from '../events/event-store.js';
import { studyEventData } from './study-event-data.js';

/** An order's studies back to the unmatched list, with the reason in their audit trail. */
export async function sendStudiesToReconciliation(tx: Tx, orderId: string, reason: string): Promise<void> {
  const rows = await tx.select().from(studies).where(eq(studies.orderId, orderId));
  const at = new Date().toISOString();
  for (const study of rows) {
    const [updated] = await tx
      .update(studies)
      .set({ orderId: null, status: 'unmatched', matchedBy: null, readyInstanceCount: 0 })
      .where(eq(studies.id, study.id))
      .returning();
    await tx
      .insert(studyAudit)
      .values({ studyId: study.id, at, action: 'unmatched', orderId, detail: reason });
    await appendEvent(tx, study.siteId, 'study.unmatched', {
      ...studyEventData(updated!, null),
      reason,
      previousOrderId: orderId,
    });
  }
}
