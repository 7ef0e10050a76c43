import { describe, expect, it } from 'vitest';
import { decodeHl7 } from './hl7-message.js';
import { readOrderMessage } from './hl7-order-mapping.js';

const settings = { pimsSiteId: 'main', defaultModality: undefined, timeZone: 'Europe/London' };

function read(text: string) {
  const d = decodeHl7(Buffer.from(text, 'utf8'), 'UNICODE UTF-8');
  if (!d.ok) throw new Error(d.problem.text);
  return readOrderMessage(d.decoded.message, settings);
}

const orm = (
  control: string,
  pid = 'PID|1||P100^^^OPENVPMS^PI||Smith^Max||20190401|MN|||||||||||||||||||||||||||448771007^Canis lupus familiaris^SCT|Labrador Retriever',
) =>
  [
    'MSH|^~\\&|OPENVPMS|CLINIC|LIGHTBOX|RAD|20261122090000||ORM^O01^ORM_O01|C1|P|2.5.1|||AL|NE||UNICODE UTF-8',
    pid,
    'NK1|1|Smith^Anna|OWN',
    `ORC|${control}|INV-1|||||^^^20261122090000^^S||20261122085500|||V12^Doe^Jane`,
    'OBR|1|INV-1||XR-THORAX^Thorax 2 views^OPENVPMS||||||||||||||||||||DX',
  ].join('\r');

describe('ORM^O01 → order commands', () => {
  it('maps a new order with the veterinary PID fields, the owner and the schedule in the practice zone', () => {
    const r = read(orm('NW'));
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.label).toBe('ORM^O01 NW');
    expect(r.commands).toHaveLength(1);
    expect(r.commands[0]).toMatchObject({
      kind: 'create',
      placer: 'INV-1',
      body: {
        pims: { system: 'hl7', siteId: 'main' },
        pimsOrderId: 'INV-1',
        procedure: { code: 'XR-THORAX', description: 'Thorax 2 views', modality: 'DX' },
        // 09:00 in London in November is 09:00 UTC.
        scheduled: { at: '2026-11-22T09:00:00.000Z' },
        priority: 'stat',
        patient: {
          id: 'P100',
          name: 'Max',
          species: 'Canis lupus familiaris',
          speciesCode: { code: '448771007', scheme: 'SCT', meaning: 'Canis lupus familiaris' },
          breed: 'Labrador Retriever',
          sex: 'male',
          neutered: true,
          birthDate: '2019-04-01',
        },
        client: { lastName: 'Smith', firstName: 'Anna' },
        requestingVet: { id: 'V12', familyName: 'Doe', givenName: 'Jane' },
      },
    });
  });

  it('turns CA and DC into cancels and XO into a correction', () => {
    for (const control of ['CA', 'DC']) {
      const r = read(orm(control));
      expect(r.ok && r.commands[0]!.kind).toBe('cancel');
    }
    const xo = read(orm('XO'));
    expect(xo.ok && xo.commands[0]!.kind).toBe('correct');
  });

  it('resolves HL7 escape sequences in names', () => {
    const r = read(orm('NW').replace('Smith^Max', 'O\\T\\Brien^Max \\F\\ Co'));
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const body = (r.commands[0] as { body: { patient: { name: string } } }).body;
    expect(body.patient.name).toBe('Max | Co');
  });

  it('names segment and field of what is wrong', () => {
    const r = read(orm('NW').replace('|20190401|', '|20190231|'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ ackCode: 'AE', code: 102, location: { segment: 'PID', field: 7 } });
  });
});
