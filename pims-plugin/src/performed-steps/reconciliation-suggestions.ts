import type { OrderStatus } from '../orders/order-dto.js';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { orders, type performedSteps } from '../db/schema.js';

type StepRow = typeof performedSteps.$inferSelect;
type OrderRow = typeof orders.$inferSelect;

export interface OrderSuggestion {
  orderId: string;
  pimsOrderId: string;
  pimsPatientId: string;
  accessionNumber: string;
  patientName: string | null;
  modality: string;
  status: string;
  scheduledDate: string | null;
  score: number;
  /** Why it was suggested, for the person who decides: `patient id`, `patient name`, `modality`, `date`. */
  reasons: string[];
}

/** What the modality typed for an unscheduled step: the technician's own entry, not an order's. */
export interface PerformedPatient {
  patientId: string | null;
  patientName: string | null;
  startDate: string | null;
}

const OPEN_STATUSES: OrderStatus[] = ['scheduled', 'in_progress'];
// Modality and date alone fit half the day's orders: a suggestion needs the patient to match.
const PATIENT_MATCH = 30;

/**
 * Orders a person might link an unscheduled MPPS to, best first. Only suggestions: an unscheduled
 * step never completes an order by itself, however good the match looks.
 */
export async function suggestOrders(db: Db, step: StepRow, limit = 5): Promise<OrderSuggestion[]> {
  return rankSuggestions(step, await openOrdersOf(db, step.siteId), limit);
}

/** The site's open orders, read once for a whole list of steps to rank against. */
export function openOrdersOf(db: Db, siteId: string): Promise<OrderRow[]> {
  return db
    .select()
    .from(orders)
    .where(and(eq(orders.siteId, siteId), inArray(orders.status, OPEN_STATUSES)));
}

export function rankSuggestions(step: StepRow, candidates: OrderRow[], limit = 5): OrderSuggestion[] {
  return rankForPatient(performedPatientOf(step), step.modality, candidates, limit);
}

/** The same ranking for anything that names a patient, a modality and a date (a study, say). */
export function rankForPatient(
  performed: PerformedPatient,
  modality: string | null,
  candidates: OrderRow[],
  limit = 5,
): OrderSuggestion[] {
  if (!performed.patientId && !performed.patientName) return [];
  const suggestions: OrderSuggestion[] = [];
  for (const order of candidates) {
    const attributes = JSON.parse(order.attributesJson) as WorklistAttributes;
    const patientName = typeof attributes.PatientName === 'string' ? attributes.PatientName : null;
    const scheduledDate =
      attributes.ScheduledProcedureStepSequence?.[0]?.ScheduledProcedureStepStartDate ?? null;
    const reasons: string[] = [];
    let score = 0;
    if (performed.patientId && performed.patientId === order.pimsPatientId) {
      score += 50;
      reasons.push('patient id');
    }
    if (performed.patientName && patientName && sameName(performed.patientName, patientName)) {
      score += PATIENT_MATCH;
      reasons.push('patient name');
    }
    if (score < PATIENT_MATCH) continue;
    if (modality && modality === order.modality) {
      score += 10;
      reasons.push('modality');
    }
    if (performed.startDate && performed.startDate === scheduledDate) {
      score += 10;
      reasons.push('date');
    }
    suggestions.push({
      orderId: order.id,
      pimsOrderId: order.pimsOrderId,
      pimsPatientId: order.pimsPatientId,
      accessionNumber: order.accessionNumber,
      patientName,
      modality: order.modality,
      status: order.status,
      scheduledDate,
      score,
      reasons,
    });
  }
  suggestions.sort((a, b) => b.score - a.score || a.orderId.localeCompare(b.orderId));
  return suggestions.slice(0, limit);
}

interface WorklistAttributes {
  PatientName?: unknown;
  ScheduledProcedureStepSequence?: { ScheduledProcedureStepStartDate?: string }[];
}

export function performedPatientOf(step: StepRow): PerformedPatient {
  const attributes = JSON.parse(step.attributesJson) as Record<string, unknown>;
  return {
    patientId: textOf(attributes.PatientID),
    patientName: personNameOf(attributes.PatientName),
    startDate: textOf(attributes.PerformedProcedureStepStartDate),
  };
}

function textOf(value: unknown): string | null {
  if (Array.isArray(value)) return textOf(value[0]);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** A PN as plain text or in the JSON model (`{ Alphabetic }`), which is how data sets keep it. */
function personNameOf(value: unknown): string | null {
  if (Array.isArray(value)) return personNameOf(value[0]);
  if (value && typeof value === 'object' && 'Alphabetic' in value) return textOf(value.Alphabetic);
  return textOf(value);
}

/** Consoles differ in case and trailing empty components (`SMITH^MAX^^`): compare what matters. */
function sameName(a: string, b: string): boolean {
  const norm = (n: string) => n.split('=')[0]!.replace(/\^+$/, '').trim().toUpperCase();
  return norm(a) === norm(b);
}
