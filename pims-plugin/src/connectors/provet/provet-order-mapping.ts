import { LightboxError } from '@lightbox/runtime';
import { createOrderBody, type CreateOrderBody } from '../../orders/order-dto.js';
import { refId, type ProvetApiClient } from './provet-api-client.js';
import type { ProvetSettings } from './provet-settings.js';

/** Worklist statuses that mean the imaging will not happen. */
const WITHDRAWN = new Set(['cancelled', 'canceled', 'deleted', 'rejected']);

export type ProvetReading =
  { kind: 'order'; body: CreateOrderBody; consultationId: string } | { kind: 'withdrawn'; why: string };

/**
 * What a diagnostic imaging worklist entry asks for, read the way Provet's RIS how-to describes: the
 * entry (modality, requesting user, patient, target areas), its referral (remarks, consultation),
 * the consultation with its patients and client, and the patient. Nothing is taken from the webhook
 * but the id: the rest comes from Provet over the configured address with this plugin's token.
 */
export async function readWorklistEntry(
  api: ProvetApiClient,
  settings: ProvetSettings,
  worklistId: string,
): Promise<ProvetReading> {
  const entry = await api.get(`diagnosticimaging_worklist/${worklistId}/`);
  if (!entry) return { kind: 'withdrawn', why: 'the worklist entry was deleted in Provet Cloud' };
  const status = typeof entry.status === 'string' ? entry.status.toLowerCase() : '';
  if (WITHDRAWN.has(status))
    return { kind: 'withdrawn', why: `the worklist entry is ${status} in Provet Cloud` };

  const referralId = refId(entry.referral);
  const referral = referralId ? await api.get(`diagnosticimaging_referral/${referralId}/`) : null;
  const consultationId = refId(referral?.consultation ?? entry.consultation);
  if (!consultationId) throw incomplete('referral.consultation', 'the referral names no consultation');
  const consultation = await api.get(`consultation/${consultationId}/?expose_patients`);
  if (!consultation) throw incomplete('consultation', `consultation ${consultationId} not found`);
  const patientId = refId(entry.patient);
  if (!patientId) throw incomplete('patient', 'the worklist entry names no patient');
  const patient = await api.get(`patient/${patientId}/`);
  if (!patient) throw incomplete('patient', `patient ${patientId} not found`);

  const modalityName = text((entry.modality as { name?: unknown } | undefined)?.name ?? entry.modality);
  const modality = modalityName ? settings.modalities[modalityName] : undefined;
  if (!modality) {
    throw incomplete(
      'modality',
      `modality "${modalityName ?? ''}" has no DICOM code in this connector's settings (modalities)`,
    );
  }
  const areas = Array.isArray(entry.target_areas)
    ? entry.target_areas.map((a) => text((a as { name?: unknown }).name ?? a)).filter((a): a is string => !!a)
    : [];
  const client = (consultation.client ?? {}) as Record<string, unknown>;
  const vet = entry.requesting_user as { id?: unknown; name?: unknown } | undefined;
  const body = {
    pims: { system: 'provet', siteId: settings.pimsSiteId },
    pimsOrderId: worklistId,
    procedure: {
      code: (text(entry.procedure_code) ?? `${modality}-${worklistId}`).slice(0, 16),
      description: ([modalityName, areas.join(', ')].filter(Boolean).join(': ') || modalityName!).slice(
        0,
        64,
      ),
      modality,
    },
    priority: entry.urgent === true ? 'urgent' : 'routine',
    ...(text(referral?.remarks) ? { reason: text(referral?.remarks)!.slice(0, 64) } : {}),
    ...(text(vet?.name)
      ? { requestingVet: { name: text(vet?.name)!, ...(refId(vet?.id) ? { id: refId(vet?.id)! } : {}) } }
      : {}),
    patient: {
      id: patientId,
      name: text(patient.name),
      species: text(patient.species),
      ...(text(patient.breed) ? { breed: text(patient.breed) } : {}),
      ...(sexOf(patient.gender) ? { sex: sexOf(patient.gender) } : {}),
      ...(text(patient.date_of_birth) ? { birthDate: text(patient.date_of_birth) } : {}),
      ...(text(patient.microchip) ? { microchip: text(patient.microchip) } : {}),
    },
    client: {
      ...(refId(client.id) ? { id: refId(client.id)! } : {}),
      ...(text(client.lastname) ? { lastName: text(client.lastname) } : {}),
      ...(text(client.firstname) ? { firstName: text(client.firstname) } : {}),
      ...(text(client.organization_name) ? { organization: text(client.organization_name) } : {}),
    },
  };
  const parsed = createOrderBody.safeParse(body);
  if (!parsed.success) {
    throw new LightboxError('validation_failed', 'the worklist entry lacks what an order needs', {
      errors: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  return { kind: 'order', body: parsed.data, consultationId };
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function sexOf(v: unknown): 'male' | 'female' | 'unknown' | undefined {
  const t = typeof v === 'number' ? String(v) : text(v)?.toLowerCase();
  if (t === undefined) return undefined;
  if (t === '1' || t === 'male' || t === 'm') return 'male';
  if (t === '2' || t === 'female' || t === 'f') return 'female';
  return 'unknown';
}

function incomplete(field: string, message: string): LightboxError {
  return new LightboxError('validation_failed', `the worklist entry cannot be read: ${message}`, {
    errors: [{ field, message }],
  });
}
