import { z } from 'zod';

/**
 * The PIMS-facing order contract (docs/api.md). Shapes and plain formats are checked here; the DICOM
 * value rules (lengths per VR, character repertoire) are checked when the order is mapped to its
 * worklist attributes, so each refusal names the field the PIMS sent.
 */
const text = (max: number) => z.string().trim().min(1).max(max);
const code = z.object({ code: text(16), scheme: text(16), meaning: text(64) });

/**
 * The rule for names (pets, owners, vets, performers): `^` and `=` separate the components and
 * groups of a DICOM person name and `\` separates values, so a name holding one would reach the
 * modality as a different name (`Smith^Max^Evil`); control characters have no place in a name.
 * Such names are refused with 422, never mapped or passed through. `^`, `=`, ESC and the C1
 * controls are refused here; `\` and the other controls by the DICOM value check of the worklist
 * mapping, which reports them together with every other value DICOM cannot carry.
 */
export const NAME_FORBIDDEN = /[\^=\u001b\u0080-\u009f]/;
const NAME_RULE = 'expected no ^, = or control characters (they separate DICOM name parts)';
const nameText = (max: number) => text(max).refine((v) => !NAME_FORBIDDEN.test(v), NAME_RULE);
const optionalName = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((v) => !NAME_FORBIDDEN.test(v), NAME_RULE);
const personName = z.object({ familyName: nameText(64), givenName: optionalName(64).optional() });
/** DICOM SH: ≤ 16 characters, no backslash or control characters (PS3.5 6.2). */
const shIdentifier = z
  .string()
  .regex(/^[^\\\u0000-\u001f\u007f]{1,16}$/, 'expected at most 16 characters, no backslash (DICOM SH)')
  .refine((v) => v.trim() !== '', 'expected a non-blank value');
/** DICOM UI: digits and dots, ≤ 64 characters, no leading zeros in a component. */
const uid = z
  .string()
  .max(64, 'expected at most 64 characters (DICOM UI)')
  .regex(/^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/, 'expected digits and dots without leading zeros (DICOM UI)');
/** Whether Y-M-D names a day of the calendar (not 2019-13-45, not 2023-02-29). */
export function isCalendarDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((v) => {
    const [y, m, d] = v.split('-').map(Number) as [number, number, number];
    return isCalendarDate(y, m, d);
  }, 'expected a real calendar date as YYYY-MM-DD');

export const orderPatient = z.object({
  id: text(64).meta({ description: "The PIMS's id of the animal (not of its owner): the DICOM Patient ID." }),
  name: nameText(64).meta({
    description:
      "The pet's name: Patient's Name becomes `ClientFamily^PetName`. No `^`, `=`, `\\` or control characters.",
  }),
  species: text(64),
  breed: text(64).optional(),
  sex: z.enum(['male', 'female', 'unknown']).optional(),
  neutered: z.boolean().optional(),
  birthDate: isoDate.optional(),
  weightKg: z.number().positive().max(20_000).optional(),
  microchip: text(64).optional().meta({ description: 'Sent to the modality as an Other Patient ID.' }),
  speciesCode: code.optional().meta({ description: 'E.g. SNOMED CT `448771007` "Canis lupus familiaris".' }),
  breedCode: code.optional(),
});

/** An object of optional fields of which `either` or `or` must be given; the refusal names `either`. */
function withEither<S extends z.ZodRawShape>(
  shape: S,
  either: keyof S & string,
  or: keyof S & string,
  message: string,
) {
  return z
    .object(shape)
    .refine((v: Record<string, unknown>) => v[either] !== undefined || v[or] !== undefined, {
      message,
      path: [either],
    });
}

export const orderClient = withEither(
  {
    id: text(64).optional(),
    lastName: nameText(64).optional(),
    firstName: optionalName(64).optional(),
    organization: nameText(64).optional(),
  },
  'lastName',
  'organization',
  'expected lastName (a person) or organization (a farm, shelter)',
);

export const orderProcedure = z.object({
  code: text(16),
  description: text(64),
  modality: z.string().regex(/^[A-Z0-9_]{1,16}$/, 'expected a DICOM modality code such as DX, US, IO, CT'),
  bodyPart: z
    .string()
    .regex(/^[A-Z0-9_ ]{1,16}$/, 'expected a DICOM body part code such as CHEST, ABDOMEN')
    .optional(),
  stepDescription: text(64).optional(),
});

export const orderSchedule = z.object({
  at: z.iso.datetime({
    offset: true,
    message: 'expected an ISO 8601 date-time with a zone, e.g. 2026-11-22T09:00:00Z',
  }),
  stationAeTitle: z
    .string()
    .optional()
    .meta({ description: "The modality's AE title; absent: any station of the modality." }),
  stationName: z.string().optional(),
  performer: personName.optional(),
});

export const requestingVet = withEither(
  {
    id: text(64).optional(),
    name: nameText(64).optional(),
    familyName: nameText(64).optional(),
    givenName: optionalName(64).optional(),
  },
  'name',
  'familyName',
  'expected name or familyName',
);

export const createOrderBody = z.object({
  pims: z.object({
    system: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'expected a short lower-case system name'),
    siteId: text(64),
  }),
  pimsOrderId: text(128).meta({
    description: 'The PIMS order (invoice line) id; creating is idempotent on it within `pims`.',
  }),
  invoice: z
    .object({ id: text(128), lineId: text(128).optional(), productCode: text(128).optional() })
    .optional(),
  procedure: orderProcedure,
  scheduled: orderSchedule.optional().meta({ description: 'Absent: now, on any station of the modality.' }),
  priority: z.enum(['routine', 'urgent', 'stat']).default('routine'),
  reason: z.string().trim().max(64).optional(),
  requestingVet: requestingVet.optional(),
  patient: orderPatient,
  client: orderClient,
  accessionNumber: shIdentifier
    .optional()
    .meta({ description: 'For a PIMS that mints its own (unique per site); minted when absent.' }),
  requestedProcedureId: shIdentifier.optional().meta({ description: 'Minted when absent.' }),
  scheduledProcedureStepId: shIdentifier.optional().meta({ description: 'Minted when absent.' }),
  studyInstanceUid: uid.optional().meta({ description: "Minted from the site's UID root when absent." }),
});
export type CreateOrderBody = z.infer<typeof createOrderBody>;

/** Corrections while the order is still scheduled; what is given replaces what was there. */
export const patchOrderBody = z
  .object({
    procedure: orderProcedure.partial().optional(),
    scheduled: orderSchedule.partial().optional(),
    patient: orderPatient.partial().optional(),
    client: z
      .object({
        id: text(64).optional(),
        lastName: nameText(64).optional(),
        firstName: optionalName(64).optional(),
        organization: nameText(64).optional(),
      })
      .optional(),
    priority: z.enum(['routine', 'urgent', 'stat']).optional(),
    reason: z.string().trim().max(64).optional(),
    requestingVet: requestingVet.optional(),
  })
  .strict();
export type PatchOrderBody = z.infer<typeof patchOrderBody>;

export const cancelOrderBody = z.object({ reason: z.string().trim().min(1).max(256) });

/** A person marks the order done (a modality with neither MPPS nor images, say); the note is kept. */
export const completeOrderBody = z.object({ note: z.string().trim().min(1).max(256).optional() });

export const orderStatus = z.enum(['scheduled', 'in_progress', 'completed', 'discontinued', 'cancelled']);
export type OrderStatus = z.infer<typeof orderStatus>;

export const orderCreatedResponse = z.object({
  orderId: z.string(),
  status: orderStatus,
  accessionNumber: z.string(),
  studyInstanceUid: z.string(),
  requestedProcedureId: z.string(),
  scheduledProcedureStepId: z.string(),
});
