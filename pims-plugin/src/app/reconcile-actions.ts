import { and, eq } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { orders, studies, studyAudit } from '../db/schema.js';
import type { OrderCommands } from '../orders/order-commands.js';
import { linkStepWithin } from '../performed-steps/link-step-by-hand.js';
import { matchStudyWithin } from '../studies/match-study-by-hand.js';

/** The order a person named by accession number, when none of the suggestions was it. */
export async function orderIdByAccession(
  database: Database,
  siteId: string,
  accession: string,
): Promise<string> {
  const [row] = await database.db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.siteId, siteId), eq(orders.accessionNumber, accession.trim().slice(0, 64))));
  if (!row)
    throw new LightboxError('not_found', `no order with accession number ${accession.trim().slice(0, 64)}`);
  return row.id;
}

/**
 * Files an unmatched study to an order, and, when the person says the examination is finished,
 * completes the order: one action, one transaction, one audit entry naming who did it.
 */
export async function linkStudy(
  database: Database,
  commands: OrderCommands,
  siteId: string,
  actor: Actor,
  studyId: string,
  orderId: string,
  complete: boolean,
): Promise<string[]> {
  return database.write(async (tx) => {
    const wake = await matchStudyWithin(tx, siteId, studyId, orderId, `linked by ${actor.name ?? actor.id}`);
    let completed = false;
    if (complete) {
      const [order] = await tx.select().from(orders).where(eq(orders.id, orderId));
      if (order && (order.status === 'scheduled' || order.status === 'in_progress')) {
        const done = await commands.completeManuallyWithin(tx, siteId, orderId, 'images linked by hand');
        wake.push(...done.wake);
        completed = true;
      }
    }
    await recordAudit(tx, {
      siteId,
      actor,
      action: 'study.linked',
      subject: { type: 'study', id: studyId },
      detail: { orderId, orderCompleted: completed },
    });
    return wake;
  });
}

/**
 * Undoes a link made by hand: the study goes back to the queue. An order the link completed stays
 * completed (the PIMS has heard so); the audit entry says which order it was.
 */
export async function unlinkStudy(
  database: Database,
  siteId: string,
  actor: Actor,
  studyId: string,
): Promise<void> {
  await database.write(async (tx) => {
    const [study] = await tx
      .select()
      .from(studies)
      .where(and(eq(studies.id, studyId), eq(studies.siteId, siteId)));
    if (!study) throw new LightboxError('not_found', 'study not found');
    if (study.matchedBy !== 'manual' || !study.orderId) {
      throw new LightboxError('conflict', 'only a study linked by hand can be unlinked here');
    }
    await tx
      .update(studies)
      .set({ orderId: null, status: 'unmatched', matchedBy: null, readyInstanceCount: 0 })
      .where(eq(studies.id, studyId));
    await tx.insert(studyAudit).values({
      studyId,
      at: new Date().toISOString(),
      action: 'manual-unmatch',
      orderId: study.orderId,
      detail: `unlinked by ${actor.name ?? actor.id}`,
    });
    await recordAudit(tx, {
      siteId,
      actor,
      action: 'study.unlinked',
      subject: { type: 'study', id: studyId },
      detail: { orderId: study.orderId },
    });
  });
}

/** Links an unscheduled MPPS to the order it performed, recorded in the audit log. */
export async function linkStep(
  database: Database,
  siteId: string,
  actor: Actor,
  sopInstanceUid: string,
  orderId: string,
): Promise<string[]> {
  return database.write(async (tx) => {
    const wake = await linkStepWithin(tx, siteId, sopInstanceUid, [orderId]);
    await recordAudit(tx, {
      siteId,
      actor,
      action: 'performed_step.linked',
      subject: { type: 'performed_step', id: sopInstanceUid },
      detail: { orderId },
    });
    return wake;
  });
}
