import { z } from 'zod';
import type { CreateOrderBody } from '../../orders/order-dto.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const id = z.union([text(64), z.number().int().nonnegative().transform(String)]);

/** One diagnostic (PACS) request as ezyVet pushes it when it is made, updated or disabled. */
export const ezyvetDiagnosticRequest = z.object({
  request_id: text(128).meta({ description: 'The diagnostic request id, e.g. US1324-DR158.' }),
  action: z.enum(['create', 'update', 'disable']),
  modality: z.string().regex(/^[A-Z0-9_]{1,16}$/, 'expected a modality code from the modality list'),
  code: text(16).optional(),
  name: text(64),
  body_part: z
    .string()
    .regex(/^[A-Z0-9_ ]{1,16}$/)
    .optional(),
  priority: z.enum(['routine', 'urgent', 'stat']).optional(),
  notes: z.string().trim().max(64).optional(),
  consult_id: id.optional(),
  requested_at: z.iso.datetime({ offset: true }).optional(),
  vet: z.object({ id: id.optional(), name: text(64) }).optional(),
  animal: z.object({
    id,
    name: text(64),
    species: text(64),
    species_code: text(16).optional(),
    breed: text(64).optional(),
    breed_code: text(16).optional(),
    sex: z.enum(['male', 'female', 'unknown']).optional(),
    desexed: z.boolean().optional(),
    date_of_birth: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
      .optional(),
    weight_kg: z.number().positive().max(20_000).optional(),
    microchip: text(64).optional(),
  }),
  contact: z
    .object({
      id: id.optional(),
      first_name: z.string().trim().max(64).optional(),
      last_name: text(64).optional(),
      business_name: text(64).optional(),
    })
    .refine((c) => c.last_name !== undefined || c.business_name !== undefined, {
      message: 'expected last_name or business_name',
      path: ['last_name'],
    }),
});
export type EzyvetDiagnosticRequest = z.infer<typeof ezyvetDiagnosticRequest>;

/** The plugin's order for an ezyVet request; the request id is the order's PIMS id. */
export function orderFromEzyvet(r: EzyvetDiagnosticRequest, pimsSiteId: string): CreateOrderBody {
  const a = r.animal;
  return {
    pims: { system: 'ezyvet', siteId: pimsSiteId },
    pimsOrderId: r.request_id,
    procedure: {
      code: r.code ?? r.modality,
      description: r.name,
      modality: r.modality,
      ...(r.body_part ? { bodyPart: r.body_part } : {}),
    },
    ...(r.requested_at ? { scheduled: { at: r.requested_at } } : {}),
    priority: r.priority ?? 'routine',
    ...(r.notes ? { reason: r.notes } : {}),
    ...(r.vet ? { requestingVet: { name: r.vet.name, ...(r.vet.id ? { id: r.vet.id } : {}) } } : {}),
    patient: {
      id: a.id,
      name: a.name,
      species: a.species,
      ...(a.breed ? { breed: a.breed } : {}),
      ...(a.sex ? { sex: a.sex } : {}),
      ...(a.desexed !== undefined ? { neutered: a.desexed } : {}),
      ...(a.date_of_birth ? { birthDate: a.date_of_birth } : {}),
      ...(a.weight_kg ? { weightKg: a.weight_kg } : {}),
      ...(a.microchip ? { microchip: a.microchip } : {}),
      ...(a.species_code ? { speciesCode: { code: a.species_code, scheme: 'SCT', meaning: a.species } } : {}),
      ...(a.breed_code && a.breed
        ? { breedCode: { code: a.breed_code, scheme: 'SCT', meaning: a.breed } }
        : {}),
    },
    client: {
      ...(r.contact.id ? { id: r.contact.id } : {}),
      ...(r.contact.last_name ? { lastName: r.contact.last_name } : {}),
      ...(r.contact.first_name ? { firstName: r.contact.first_name } : {}),
      ...(r.contact.business_name ? { organization: r.contact.business_name } : {}),
    },
  };
}
