import type { OrderStatus } from '../orders/order-dto.js';
import { and, eq, inArray } from 'drizzle-orm';
import type { StoredInstanceMessage } from '@lightbox/protocol';
import type { Tx } from '../db/database.js';
import { orders } from '../db/schema.js';

type OrderRow = typeof orders.$inferSelect;

export type MatchKey = 'study_instance_uid' | 'accession_number' | 'step_id' | 'patient';

export type StudyMatch = { order: OrderRow; by: MatchKey } | { order: null; reason: string };

const OPEN: OrderStatus[] = ['scheduled', 'in_progress'];

/**
 * The order a study belongs to, strongest key first: the Study Instance UID the worklist gave,
 * the Accession Number, the step id of the Request Attributes Sequence, and last the patient —
 * PIMS patient id with species, date and modality, and only when exactly one open order fits.
 * Names are never used: two pets called Max of the Smith family are two patients. Anything
 * ambiguous goes to the unmatched list for a person, never to a guess.
 */
export async function matchStudyToOrder(
  tx: Tx,
  siteId: string,
  msg: StoredInstanceMessage,
): Promise<StudyMatch> {
  const a = msg.attributes;
  const [byUid] = await tx
    .select()
    .from(orders)
    .where(and(eq(orders.siteId, siteId), eq(orders.studyInstanceUid, msg.studyInstanceUid)));
  if (byUid) return { order: byUid, by: 'study_instance_uid' };

  if (a.accessionNumber) {
    const [byAccession] = await tx
      .select()
      .from(orders)
      .where(and(eq(orders.siteId, siteId), eq(orders.accessionNumber, a.accessionNumber)));
    if (byAccession) return { order: byAccession, by: 'accession_number' };
  }

  if (a.scheduledProcedureStepIds.length > 0) {
    const bySteps = await tx
      .select()
      .from(orders)
      .where(
        and(eq(orders.siteId, siteId), inArray(orders.scheduledProcedureStepId, a.scheduledProcedureStepIds)),
      );
    if (bySteps.length === 1) return { order: bySteps[0]!, by: 'step_id' };
    if (bySteps.length > 1) return { order: null, reason: 'its step ids name several orders' };
  }

  if (!a.patientId) return { order: null, reason: 'no order has its identifiers and it names no patient id' };
  const candidates = (
    await tx
      .select()
      .from(orders)
      .where(
        and(eq(orders.siteId, siteId), eq(orders.pimsPatientId, a.patientId), inArray(orders.status, OPEN)),
      )
  ).filter((o) => fits(o, msg));
  if (candidates.length === 1) return { order: candidates[0]!, by: 'patient' };
  if (candidates.length > 1) {
    return {
      order: null,
      reason: `${candidates.length} open orders fit its patient, species, date and modality`,
    };
  }
  return { order: null, reason: 'no open order fits its patient, species, date and modality' };
}

function fits(order: OrderRow, msg: StoredInstanceMessage): boolean {
  const a = msg.attributes;
  const wl = JSON.parse(order.attributesJson) as {
    PatientSpeciesDescription?: string;
    ScheduledProcedureStepSequence?: { ScheduledProcedureStepStartDate?: string }[];
  };
  if (a.modality && a.modality !== order.modality) return false;
  const species = wl.PatientSpeciesDescription;
  if (
    a.patientSpeciesDescription &&
    species &&
    a.patientSpeciesDescription.toUpperCase() !== species.toUpperCase()
  ) {
    return false;
  }
  const date = wl.ScheduledProcedureStepSequence?.[0]?.ScheduledProcedureStepStartDate;
  if (a.studyDate && date && a.studyDate !== date) return false;
  return true;
}
