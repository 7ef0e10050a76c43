import type { orders } from '../db/schema.js';

type OrderRow = typeof orders.$inferSelect;

/** What the screens show of an order, read from the request the PIMS sent (corrections applied). */
export interface OrderFacts {
  id: string;
  status: string;
  accessionNumber: string;
  pimsOrderId: string;
  patientId: string;
  petName: string;
  /** As the modality's worklist carries it: `ClientFamily^PetName`. */
  dicomPatientName: string | null;
  species: string;
  owner: string;
  procedure: string;
  modality: string;
  station: string | null;
  scheduledAt: string | null;
  priority: string;
}

interface StoredRequest {
  patient?: { name?: string; species?: string };
  client?: { lastName?: string; firstName?: string; organization?: string };
  procedure?: { description?: string };
  scheduled?: { at?: string };
  priority?: string;
}

export function orderFacts(order: OrderRow): OrderFacts {
  const request = JSON.parse(order.requestJson) as StoredRequest;
  const attributes = JSON.parse(order.attributesJson) as { PatientName?: unknown };
  const c = request.client ?? {};
  return {
    id: order.id,
    status: order.status,
    accessionNumber: order.accessionNumber,
    pimsOrderId: order.pimsOrderId,
    patientId: order.pimsPatientId,
    petName: request.patient?.name ?? '',
    dicomPatientName: typeof attributes.PatientName === 'string' ? attributes.PatientName : null,
    species: request.patient?.species ?? '',
    owner: c.organization ?? [c.firstName, c.lastName].filter(Boolean).join(' '),
    procedure: request.procedure?.description ?? '',
    modality: order.modality,
    station: order.stationAeTitle,
    scheduledAt: request.scheduled?.at ?? null,
    priority: request.priority ?? 'routine',
  };
}
