import type { LightboxStack } from './lightbox-stack.js';

/** What the PIMS got back for an order: the keys a modality echoes in its MPPS. */
export interface CreatedOrder {
  orderId: string;
  accessionNumber: string;
  studyInstanceUid: string;
  requestedProcedureId: string;
  scheduledProcedureStepId: string;
}

export interface OrderView {
  status: string;
  timeline: { at: string; status: string; change: string; reason: string | null }[];
}

export interface PerformedStepView {
  status: string;
  orderIds: string[];
  unscheduled: boolean;
  performedSeries: { seriesInstanceUid: string; sopInstanceUids: string[] }[];
  discontinuationReason: { code: string; scheme: string; meaning: string } | null;
  history: { event: string; status: string }[];
}

let counter = 0;

/** A fresh DX order for DR1 through the PIMS API. */
export async function createOrder(stack: LightboxStack, label: string): Promise<CreatedOrder> {
  const n = ++counter;
  const res = await stack.api('POST', '/v1/orders', {
    pims: { system: 'ezyvet', siteId: 'main' },
    pimsOrderId: `MPPS-${label}-${n}-${Date.now()}`,
    invoice: { id: `INV-${n}`, lineId: '1', productCode: 'XR' },
    procedure: { code: 'XR-THORAX', description: 'Thorax 2 views', modality: 'DX' },
    scheduled: { at: '2026-11-23T09:00:00Z', stationAeTitle: 'DR1' },
    patient: { id: `P-${label}-${n}`, name: 'Max', species: 'Canine' },
    client: { id: 'C1', lastName: 'Smith' },
  });
  if (res.status !== 201) throw new Error(`order not created: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedOrder;
}

export async function getOrder(stack: LightboxStack, orderId: string): Promise<OrderView> {
  const res = await stack.api('GET', `/v1/orders/${orderId}`);
  if (!res.ok) throw new Error(`GET order ${orderId}: ${res.status}`);
  return (await res.json()) as OrderView;
}

/** The MPPS as the plugin recorded it, or null while it has not arrived. */
export async function getPerformedStep(stack: LightboxStack, uid: string): Promise<PerformedStepView | null> {
  const res = await stack.api('GET', `/v1/performed-steps/${uid}`);
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`GET performed step ${uid}: ${res.status}`);
  return (await res.json()) as PerformedStepView;
}

/** The scheduled step item that links an MPPS to an order (PS3.4 F.7.2-1). */
export const scheduledStepOf = (o: CreatedOrder) => ({
  StudyInstanceUID: o.studyInstanceUid,
  AccessionNumber: o.accessionNumber,
  RequestedProcedureID: o.requestedProcedureId,
  ScheduledProcedureStepID: o.scheduledProcedureStepId,
});

/** An N-CREATE data set as a DR console sends it. */
export function nCreateAttributes(
  steps: Record<string, unknown>[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    SpecificCharacterSet: 'ISO_IR 192',
    PatientName: 'Smith^Max',
    PatientID: 'P1',
    Modality: 'DX',
    PerformedStationAETitle: 'DR1',
    PerformedProcedureStepID: 'PPS1',
    PerformedProcedureStepStartDate: '20261123',
    PerformedProcedureStepStartTime: '091500',
    PerformedProcedureStepEndDate: '',
    PerformedProcedureStepEndTime: '',
    PerformedProcedureStepStatus: 'IN PROGRESS',
    PerformedProcedureStepDescription: 'Thorax 2 views',
    ScheduledStepAttributesSequence: steps,
    PerformedSeriesSequence: [],
    ...overrides,
  };
}

/** A Performed Series Sequence with `images` referenced images in one series. */
export function performedSeries(seriesUid: string, images: number): Record<string, unknown>[] {
  return [
    {
      SeriesInstanceUID: seriesUid,
      SeriesDescription: 'Thorax',
      RetrieveAETitle: '',
      PerformingPhysicianName: '',
      OperatorsName: '',
      ProtocolName: 'THORAX',
      ReferencedImageSequence: Array.from({ length: images }, (_, i) => ({
        ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.1.1',
        ReferencedSOPInstanceUID: `${seriesUid}.${i + 1}`,
      })),
    },
  ];
}

/** The N-SET that ends a step. */
export function completion(
  status = 'COMPLETED',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    PerformedProcedureStepStatus: status,
    PerformedProcedureStepEndDate: '20261123',
    PerformedProcedureStepEndTime: '093000',
    ...extra,
  };
}

let uidCounter = 0;
/** A fresh UID for a test's MPPS, series or study. */
export const freshUid = (): string => `2.25.${Date.now()}${process.pid}${++uidCounter}`;
