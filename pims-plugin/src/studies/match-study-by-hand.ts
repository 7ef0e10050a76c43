import { eq } from 'drizzle-orm';
import { LightboxError } from '@lightbox/runtime';
import type { Database, Tx } from '../db/database.js';
import { orders, studies, studyAudit } from '../db/schema.js';
import { completeIfImagesArrived } from './completion-waits.js';
import { getStudy } from './study-queries.js';
import { rowOfSite } from '../db/row-of-site.js';

/**
 * A person files a study to an order (or moves it to another). Recorded in the audit trail; the
 * study is announced again once quiet, so the PIMS attaches it to the right record.
 */
export async function matchStudyByHand(
  database: Database,
  siteId: string,
  studyId: string,
  orderId: string,
  note: string | null,
): Promise<string[]> {
  return database.write((tx) => matchStudyWithin(tx, siteId, studyId, orderId, note));
}

/** `matchStudyByHand` inside the caller's write transaction (with its audit entry, say). */
export async function matchStudyWithin(
  tx: Tx,
  siteId: string,
  studyId: string,
  orderId: string,
  note: string | null,
): Promise<string[]> {
  const study = await getStudy(tx, siteId, studyId);
  const order = await rowOfSite(tx, orders, siteId, orderId);
  if (!order) {
    throw new LightboxError('validation_failed', 'no such order in this site', {
      errors: [{ field: 'orderId', message: 'not an order of this site' }],
    });
  }
  if (order.status === 'cancelled') throw new LightboxError('conflict', 'the order was cancelled');
  if (study.orderId === orderId) return [];
  await tx
    .update(studies)
    .set({ orderId, status: 'matched', matchedBy: 'manual', readyInstanceCount: 0 })
    .where(eq(studies.id, studyId));
  await tx.insert(studyAudit).values({
    studyId,
    at: new Date().toISOString(),
    action: 'manual-match',
    orderId,
    detail: note ?? (study.orderId ? `moved from ${study.orderId}` : 'filed from the unmatched list'),
  });
  return completeIfImagesArrived(tx, orderId);
}
