import type { Hl7Context, Hl7Segment } from '@medplum/core';
import { createOrderBody, type CreateOrderBody, type PatchOrderBody } from '../../orders/order-dto.js';
import { mapOrderToWorklist } from '../../orders/worklist-mapping.js';
import { hl7Date, hl7DateTime } from './hl7-dates.js';
import { reader, type Hl7Message } from './hl7-message.js';
import { hl7Problem, type Hl7Location, type Hl7Problem } from './hl7-problem.js';

/** What one order group (ORC and its OBR) of a message asks of the orders. */
export type Hl7OrderCommand =
  | { kind: 'create'; placer: string; body: CreateOrderBody }
  | { kind: 'correct'; placer: string; patch: PatchOrderBody }
  | { kind: 'cancel'; placer: string; reason: string };

export interface OrderMappingSettings {
  /** Scopes the placer numbers: orders are `{ system: 'hl7', siteId: pimsSiteId }`. */
  pimsSiteId: string;
  /** The modality when the message names none (OBR-24, IPC-5): many PIMS send one per interface. */
  defaultModality: string | undefined;
  /** The practice's zone, for times sent without one. */
  timeZone: string;
}

export type ReadOrders =
  | { ok: true; label: string; commands: Hl7OrderCommand[] }
  | { ok: false; label: string; problems: Hl7Problem[] };

const SUPPORTED_TYPES = new Set(['ORM^O01', 'OMI^O23']);
const VERSIONS = /^2\.(3(\.1)?|4|5(\.1)?|6|7(\.1)?|8(\.\d)?)$/;
/** HL7 table 0001 and the veterinary codes many PIMS add for neutered animals. */
const SEXES: Record<string, { sex: 'male' | 'female' | 'unknown'; neutered?: boolean }> = {
  M: { sex: 'male' },
  F: { sex: 'female' },
  U: { sex: 'unknown' },
  O: { sex: 'unknown' },
  A: { sex: 'unknown' },
  N: { sex: 'unknown' },
  MN: { sex: 'male', neutered: true },
  MC: { sex: 'male', neutered: true },
  FS: { sex: 'female', neutered: true },
  FN: { sex: 'female', neutered: true },
};
/** ORC-7.6 / TQ1-9 priority (HL7 table 0027). */
const PRIORITIES: Record<string, 'routine' | 'urgent' | 'stat'> = {
  S: 'stat',
  A: 'urgent',
  P: 'urgent',
  C: 'urgent',
  R: 'routine',
  T: 'urgent',
};

/**
 * ORM^O01 / OMI^O23 → order commands, one per order group: ORC-1 `NW` creates, `XO` corrects, `CA`
 * and `DC` cancel. Every value is checked the way the order itself will be (the same schema and the
 * same DICOM value rules), so a message either maps whole or is refused naming segment and field.
 */
export function readOrderMessage(message: Hl7Message, settings: OrderMappingSettings): ReadOrders {
  const ctx = message.context;
  const msh = reader(message.getSegment('MSH'), ctx);
  const type = `${msh(9, 1)}^${msh(9, 2)}`;
  let label = type;
  const refuse = (...problems: Hl7Problem[]): ReadOrders => ({ ok: false, label, problems });
  if (!msh(10))
    return refuse(hl7Problem('AR', 101, 'MSH-10 (message control id) is required', at('MSH', 1, 10)));
  if (!SUPPORTED_TYPES.has(type)) {
    const known = msh(9, 1) === 'ORM' || msh(9, 1) === 'OMI';
    return refuse(
      hl7Problem('AR', known ? 201 : 200, `message type ${type} is not taken here; send ORM^O01 or OMI^O23`, {
        ...at('MSH', 1, 9),
        component: known ? 2 : 1,
      }),
    );
  }
  if (msh(11) && !['P', 'T', 'D'].includes(msh(11))) {
    return refuse(hl7Problem('AR', 202, `processing id ${msh(11)} is not P, T or D`, at('MSH', 1, 11)));
  }
  if (!VERSIONS.test(msh(12))) {
    return refuse(
      hl7Problem('AR', 203, `version ${msh(12) || '(none)'} is not 2.3 to 2.8`, at('MSH', 1, 12)),
    );
  }

  const pidSegment = message.getSegment('PID');
  if (!pidSegment) return refuse(hl7Problem('AE', 100, 'the PID segment is missing', { segment: 'PID' }));
  const groups = orderGroups(message);
  if (groups.length === 0)
    return refuse(hl7Problem('AE', 100, 'no ORC segment: nothing to order', { segment: 'ORC' }));
  label = `${type} ${[...new Set(groups.map((g) => reader(g.orc, ctx)(1)))].join(',')}`;

  const problems: Hl7Problem[] = [];
  const commands: Hl7OrderCommand[] = [];
  for (const group of groups) {
    const command = readGroup(message, pidSegment, group, settings, problems);
    if (command) commands.push(command);
  }
  return problems.length > 0 ? refuse(...problems) : { ok: true, label, commands };
}

interface OrderGroup {
  orc: Hl7Segment;
  orcSequence: number;
  obr: Hl7Segment | undefined;
  obrSequence: number;
  tq1: Hl7Segment | undefined;
  ipc: Hl7Segment | undefined;
}

/** ORC, then the OBR, TQ1 and IPC up to the next ORC: one order each. */
function orderGroups(message: Hl7Message): OrderGroup[] {
  const groups: OrderGroup[] = [];
  const seen: Record<string, number> = {};
  let current: OrderGroup | undefined;
  for (const segment of message.segments) {
    seen[segment.name] = (seen[segment.name] ?? 0) + 1;
    if (segment.name === 'ORC') {
      current = {
        orc: segment,
        orcSequence: seen.ORC!,
        obr: undefined,
        obrSequence: 0,
        tq1: undefined,
        ipc: undefined,
      };
      groups.push(current);
    } else if (current && segment.name === 'OBR' && !current.obr) {
      current.obr = segment;
      current.obrSequence = seen.OBR!;
    } else if (current && segment.name === 'TQ1' && !current.tq1) {
      current.tq1 = segment;
    } else if (current && segment.name === 'IPC' && !current.ipc) {
      current.ipc = segment;
    }
  }
  return groups;
}

function at(segment: string, sequence: number, field: number, component?: number): Hl7Location {
  return { segment, sequence, field, ...(component ? { component } : {}) };
}

function readGroup(
  message: Hl7Message,
  pidSegment: Hl7Segment,
  group: OrderGroup,
  settings: OrderMappingSettings,
  problems: Hl7Problem[],
): Hl7OrderCommand | null {
  const ctx = message.context;
  const orc = reader(group.orc, ctx);
  const obr = reader(group.obr, ctx);
  const orcAt = (field: number, component?: number) => at('ORC', group.orcSequence, field, component);
  const control = orc(1);
  const placer = orc(2) || obr(2);
  if (!placer) {
    problems.push(hl7Problem('AE', 101, 'ORC-2 (placer order number) is required', orcAt(2)));
    return null;
  }
  if (placer.length > 128) {
    problems.push(hl7Problem('AE', 104, 'the placer order number is longer than 128 characters', orcAt(2)));
    return null;
  }
  if (control === 'CA' || control === 'DC') {
    const why = orc(16, 2) || orc(16, 1);
    return {
      kind: 'cancel',
      placer,
      reason: (why || `cancelled by the PIMS (ORC-1 ${control})`).slice(0, 256),
    };
  }
  if (control !== 'NW' && control !== 'XO') {
    problems.push(
      hl7Problem('AE', 103, `order control ${control || '(none)'} is not NW, XO, CA or DC`, orcAt(1)),
    );
    return null;
  }
  if (!group.obr) {
    problems.push(hl7Problem('AE', 100, 'the order has no OBR segment', { segment: 'OBR' }));
    return null;
  }
  const built = buildOrder(message, pidSegment, group, settings, placer, problems);
  if (!built) return null;
  if (control === 'NW') return { kind: 'create', placer, body: built };
  // XO: the order as it should now be; what the PIMS did not send stays as it was.
  const patch: PatchOrderBody = {
    procedure: built.procedure,
    patient: built.patient,
    client: built.client,
    priority: built.priority,
    // A correction without a time keeps the time the order has.
    ...(built.scheduled && scheduleSent(group, ctx) ? { scheduled: built.scheduled } : {}),
    ...(built.reason !== undefined ? { reason: built.reason } : {}),
    ...(built.requestingVet ? { requestingVet: built.requestingVet } : {}),
  };
  return { kind: 'correct', placer, patch };
}

function scheduleSent(group: OrderGroup, ctx: Hl7Context): boolean {
  const orc = reader(group.orc, ctx);
  const obr = reader(group.obr, ctx);
  return (reader(group.tq1, ctx)(7) || orc(7, 4) || obr(27, 4) || obr(36)) !== '';
}

/** The order as `POST /v1/orders` would take it, with each value's place in the message for errors. */
function buildOrder(
  message: Hl7Message,
  pidSegment: Hl7Segment,
  group: OrderGroup,
  settings: OrderMappingSettings,
  placer: string,
  problems: Hl7Problem[],
): CreateOrderBody | null {
  const ctx: Hl7Context = message.context;
  const pid = reader(pidSegment, ctx);
  const orc = reader(group.orc, ctx);
  const obr = reader(group.obr, ctx);
  const tq1 = reader(group.tq1, ctx);
  const ipc = reader(group.ipc, ctx);
  const nk1 = reader(message.getSegment('NK1'), ctx);
  const gt1 = reader(message.getSegment('GT1'), ctx);
  const orcAt = (field: number, component?: number) => at('ORC', group.orcSequence, field, component);
  const obrAt = (field: number, component?: number) => at('OBR', group.obrSequence, field, component);
  const pidAt = (field: number, component?: number) => at('PID', 1, field, component);
  const ipcAt = (field: number) => at('IPC', 1, field);
  /** Body field → where it came from, to name the HL7 field when the body is refused. */
  const origin: Record<string, Hl7Location> = {};
  const from = <T>(field: string, location: Hl7Location, value: T): T => {
    origin[field] = location;
    return value;
  };
  const problemCount = problems.length;

  // The animal. PID-5 is `OwnerFamily^PetName` (the DICOM veterinary form most PIMS follow); a
  // name of one component is the pet's name alone.
  const petName = pid(5, 2) || pid(5, 1);
  const ownerFromPid = pid(5, 2) ? pid(5, 1) : '';
  const birth = pid(7, 1);
  let birthDate: string | undefined;
  if (birth) {
    const d = hl7Date(birth);
    if (!d)
      problems.push(
        hl7Problem('AE', 102, `birth date ${JSON.stringify(birth)} is not a date (YYYYMMDD)`, pidAt(7)),
      );
    else birthDate = d;
  }
  const sexCode = pid(8).toUpperCase();
  const sex = sexCode ? SEXES[sexCode] : undefined;
  if (sexCode && !sex) {
    problems.push(
      hl7Problem(
        'AE',
        103,
        `sex ${JSON.stringify(sexCode)} is not one of M, F, U, O, MN, MC, FS, FN`,
        pidAt(8),
      ),
    );
  }
  const species = pid(35, 2) || pid(35, 1);
  const speciesCode =
    pid(35, 1) && pid(35, 3)
      ? { code: pid(35, 1), scheme: pid(35, 3), meaning: pid(35, 2) || pid(35, 1) }
      : undefined;
  const breed = pid(36, 2) || pid(36, 1);
  const breedCode =
    pid(36, 1) && pid(36, 3)
      ? { code: pid(36, 1), scheme: pid(36, 3), meaning: pid(36, 2) || pid(36, 1) }
      : undefined;

  // The owner: NK1 (next of kin, relationship owner) or GT1 (guarantor), else PID-5's family name.
  const ownerFamily = nk1(2, 1) || gt1(3, 1) || ownerFromPid;
  const ownerGiven = nk1(2, 1) ? nk1(2, 2) : gt1(3, 1) ? gt1(3, 2) : '';
  const organization = nk1(13, 1) || gt1(21, 1);
  const ownerAt = nk1(2, 1) ? at('NK1', 1, 2) : gt1(3, 1) ? at('GT1', 1, 3) : pidAt(5, 1);
  const clientId = nk1(33, 1) || gt1(2, 1) || undefined;

  // The procedure: OBR-4 service, the modality from IPC-5, OBR-24 or the connector's default.
  const modality = (ipc(5) || obr(24) || settings.defaultModality || '').toUpperCase();
  const modalityAt = ipc(5) ? ipcAt(5) : obrAt(24);
  const bodyPart = (obr(15, 4) || '').toUpperCase().replace(/[^A-Z0-9 ]/g, '_') || undefined;

  // When: TQ1-7 (v2.5), ORC-7.4, OBR-27.4 or OBR-36; none means now.
  const whenRaw = tq1(7) || orc(7, 4) || obr(27, 4) || obr(36);
  const whenAt = tq1(7) ? at('TQ1', 1, 7) : orc(7, 4) ? orcAt(7, 4) : obr(27, 4) ? obrAt(27, 4) : obrAt(36);
  let scheduledAt: string | undefined;
  if (whenRaw) {
    const t = hl7DateTime(whenRaw, settings.timeZone);
    if (!t)
      problems.push(
        hl7Problem('AE', 102, `scheduled time ${JSON.stringify(whenRaw)} is not a date and time`, whenAt),
      );
    else scheduledAt = t;
  }
  const priorityCode = tq1(9) || orc(7, 6) || obr(27, 6);
  const priority = PRIORITIES[priorityCode.toUpperCase()] ?? 'routine';

  const vetFamily = orc(12, 2) || obr(16, 2);
  const vet = vetFamily
    ? {
        ...(orc(12, 1) || obr(16, 1) ? { id: orc(12, 1) || obr(16, 1) } : {}),
        familyName: vetFamily,
        ...(orc(12, 3) || obr(16, 3) ? { givenName: orc(12, 3) || obr(16, 3) } : {}),
      }
    : undefined;
  const reason = obr(31, 2) || obr(31, 1) || obr(13) || undefined;
  const stationAeTitle = ipc(9) || undefined;
  const stationName = ipc(7) || undefined;

  if (problems.length > problemCount) return null;
  const candidate = {
    pims: { system: 'hl7', siteId: settings.pimsSiteId },
    pimsOrderId: from('pimsOrderId', orcAt(2), placer),
    ...(orc(3) || obr(3) ? { accessionNumber: from('accessionNumber', orcAt(3), orc(3) || obr(3)) } : {}),
    ...(ipc(1) ? { accessionNumber: from('accessionNumber', ipcAt(1), ipc(1)) } : {}),
    ...(ipc(2) ? { requestedProcedureId: from('requestedProcedureId', ipcAt(2), ipc(2)) } : {}),
    ...(ipc(3) ? { studyInstanceUid: from('studyInstanceUid', ipcAt(3), ipc(3)) } : {}),
    ...(ipc(4) ? { scheduledProcedureStepId: from('scheduledProcedureStepId', ipcAt(4), ipc(4)) } : {}),
    invoice: { id: placer },
    procedure: {
      code: from('procedure.code', obrAt(4, 1), obr(4, 1)),
      description: from('procedure.description', obrAt(4, 2), obr(4, 2) || obr(4, 1)),
      modality: from('procedure.modality', modalityAt, modality),
      ...(bodyPart ? { bodyPart: from('procedure.bodyPart', obrAt(15, 4), bodyPart) } : {}),
    },
    ...(scheduledAt || stationAeTitle
      ? {
          scheduled: {
            at: from('scheduled.at', whenAt, scheduledAt ?? new Date().toISOString()),
            ...(stationAeTitle
              ? { stationAeTitle: from('scheduled.stationAeTitle', ipcAt(9), stationAeTitle) }
              : {}),
            ...(stationName ? { stationName } : {}),
          },
        }
      : {}),
    priority,
    ...(reason ? { reason: from('reason', obrAt(31), reason.slice(0, 64)) } : {}),
    ...(vet ? { requestingVet: from('requestingVet', orcAt(12), vet) } : {}),
    patient: {
      id: from('patient.id', pidAt(3, 1), pid(3, 1) || pid(2, 1)),
      name: from('patient.name', pidAt(5), petName),
      species: from('patient.species', pidAt(35), species),
      ...(breed ? { breed: from('patient.breed', pidAt(36), breed) } : {}),
      ...(sex ? { sex: sex.sex } : {}),
      ...(sex?.neutered !== undefined ? { neutered: sex.neutered } : {}),
      ...(birthDate ? { birthDate: from('patient.birthDate', pidAt(7), birthDate) } : {}),
      ...(speciesCode ? { speciesCode: from('patient.speciesCode', pidAt(35), speciesCode) } : {}),
      ...(breedCode ? { breedCode: from('patient.breedCode', pidAt(36), breedCode) } : {}),
    },
    client: {
      ...(clientId ? { id: from('client.id', ownerAt, clientId) } : {}),
      ...(ownerFamily ? { lastName: from('client.lastName', ownerAt, ownerFamily) } : {}),
      ...(ownerGiven ? { firstName: from('client.firstName', ownerAt, ownerGiven) } : {}),
      ...(organization ? { organization: from('client.organization', at('NK1', 1, 13), organization) } : {}),
    },
  };
  const parsed = createOrderBody.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.join('.');
      problems.push(problemFor(field, issue.message, origin, { ownerAt }));
    }
    return null;
  }
  // The DICOM value rules (lengths per VR, characters) the order will be held to, checked now so
  // that the answer can name the field; the identifiers are stand-ins of the longest allowed form.
  const { errors } = mapOrderToWorklist(
    { ...parsed.data, scheduled: parsed.data.scheduled ?? { at: new Date().toISOString() } },
    {
      accessionNumber: parsed.data.accessionNumber ?? 'A',
      requestedProcedureId: parsed.data.requestedProcedureId ?? 'R',
      scheduledProcedureStepId: parsed.data.scheduledProcedureStepId ?? 'S',
      studyInstanceUid: parsed.data.studyInstanceUid ?? '2.25.1',
    },
    settings.timeZone,
  );
  for (const e of errors) problems.push(problemFor(e.field, e.message, origin, { ownerAt }));
  return errors.length > 0 ? null : parsed.data;
}

const requiredText: Record<string, string> = {
  'patient.id': "PID-3 (the animal's id) is required",
  'patient.name': "PID-5 (the animal's name) is required",
  'patient.species': 'PID-35 (species) is required',
  'procedure.code': 'OBR-4 (the procedure) is required',
  'procedure.modality': 'the modality is required: IPC-5, OBR-24, or a default modality in the connector',
  'client.lastName': 'the owner is required: NK1-2, GT1-3, or the family name in PID-5',
};

function problemFor(
  field: string,
  message: string,
  origin: Record<string, Hl7Location>,
  fallback: { ownerAt: Hl7Location },
): Hl7Problem {
  const key = Object.keys(origin)
    .filter((k) => field === k || field.startsWith(`${k}.`))
    .sort((a, b) => b.length - a.length)[0];
  const location =
    (key ? origin[key] : undefined) ??
    (field.startsWith('client')
      ? fallback.ownerAt
      : { segment: field.startsWith('patient') ? 'PID' : 'OBR' });
  const missing = /expected string, received undefined|too_small|at least 1|Too small|Invalid input/i.test(
    message,
  );
  const base = field.split('.').slice(0, 2).join('.');
  if (missing && requiredText[base]) return hl7Problem('AE', 101, requiredText[base], location);
  const tooLong = /at most|too_big|Too big/i.test(message);
  return hl7Problem('AE', tooLong ? 104 : 102, `${field}: ${message}`, location);
}
