import type { CreateOrderBody } from './order-dto.js';

/** Fields the plugin fills in when the PIMS leaves them out: a repeat that leaves them out again matches. */
const FILLED_WHEN_ABSENT = [
  'accessionNumber',
  'requestedProcedureId',
  'scheduledProcedureStepId',
  'studyInstanceUid',
  'scheduled',
] as const;

function leaves(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) leaves(v, prefix ? `${prefix}.${k}` : k, out);
    }
  } else {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

/**
 * The fields in which a repeated create differs from the order stored under the same
 * `pimsOrderId`, as dotted paths (`patient.name`, `procedure.modality`); empty when it is the same
 * request again. Both sides are the parsed bodies, so defaults and trimming do not count.
 */
export function differingFields(stored: CreateOrderBody, repeat: CreateOrderBody): string[] {
  const skip = FILLED_WHEN_ABSENT.filter((k) => repeat[k] === undefined);
  const isSkipped = (p: string) => skip.some((k) => p === k || p.startsWith(`${k}.`));
  const a = leaves(stored, '', new Map());
  const b = leaves(repeat, '', new Map());
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths].filter((p) => !isSkipped(p) && a.get(p) !== b.get(p)).sort();
}
