import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureOrders, modalityProfiles } from './fixtures/worklist-orders.js';
import { dumpToDicom, findscu, type DumpItem, type FindResult } from './support/dcmtk.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { keysDump, stepSequenceDump, worklistQueryDump, type DumpKeys } from './support/worklist-query.js';

/**
 * The worklist as a modality sees it: real `findscu -W` queries built with `dump2dcm`, against the
 * agent serving orders created through the PIMS API. Names, not order keys, are what is asserted.
 */
const stack = new LightboxStack({
  pluginEnv: { LIGHTBOX_TIMEZONE: 'UTC' },
  agentEnv: { LIGHTBOX_MODALITY_PROFILES: JSON.stringify(modalityProfiles) },
});
const created = new Map<
  string,
  { accessionNumber: string; studyInstanceUid: string; scheduledProcedureStepId: string }
>();

/** The return keys a console typically asks for, plus the veterinary ones. */
const returnKeys: DumpKeys = {
  '(0008,0050) SH': '',
  '(0010,0010) PN': '',
  '(0010,0020) LO': '',
  '(0010,2201) LO': '',
  '(0020,000d) UI': '',
};

/** Every key of the scheduled step, returned unless given a value to match. */
const stepKeys: DumpKeys = {
  '(0008,0060) CS': '',
  '(0040,0001) AE': '',
  '(0040,0002) DA': '',
  '(0040,0003) TM': '',
  '(0040,0009) SH': '',
  '(0040,0020) CS': '',
};

const sps = (keys: DumpKeys): string => stepSequenceDump({ ...stepKeys, ...keys });

/** A query for the return keys and every step key, matching on the values given. */
const matching = (keys: DumpKeys = {}, step: DumpKeys = {}): string =>
  worklistQueryDump({ ...returnKeys, ...keys }, { ...stepKeys, ...step });

async function query(
  dump: string,
  opts: { callingAe?: string; encoding?: 'utf8' | 'latin1' } = {},
): Promise<FindResult> {
  const file = await dumpToDicom(dump, opts.encoding);
  return findscu({
    port: stack.dicomPort,
    queryFiles: [file],
    ...(opts.callingAe ? { callingAe: opts.callingAe } : {}),
  });
}

const names = (r: FindResult) =>
  r.responses.map((x) => `${x.PatientName as string}/${x.PatientSpeciesDescription as string}`).sort();
const step = (x: DumpItem) => (x.ScheduledProcedureStepSequence as DumpItem[])[0]!;

const everyone = [
  'ABC Farms^Star/Equine',
  'Brown^Whiskers/Feline',
  'Jones^Bailey/Canine',
  'Müller^Bello/Canine',
  'Núñez^Luna/Feline',
  'Smith^Max/Canine',
  'Smith^Max/Feline',
  'Łukasiewicz^Reks/Canine',
];

beforeAll(async () => {
  await stack.startAll();
  for (const o of fixtureOrders) {
    const res = await stack.api('POST', '/v1/orders', o.body);
    expect(res.status, o.key).toBe(201);
    created.set(o.key, (await res.json()) as never);
  }
  const cancelled = created.get('cancelled') as unknown as { orderId: string };
  expect(
    (await stack.api('POST', `/v1/orders/${cancelled.orderId}/cancel`, { reason: 'owner called' })).status,
  ).toBe(200);
  // By names, not by count: eight can also be seen before the cancelled order was added.
  await waitUntil(
    'the worklist holds the fixture',
    async () => names(await query(matching())).join('|') === everyone.join('|'),
    15_000,
    200,
  );
}, 60_000);
afterAll(() => stack.dispose());

describe('worklist matching through findscu', () => {
  const cases: { name: string; dump: () => string; expect: string[]; callingAe?: string }[] = [
    {
      name: 'universal: empty keys match everything scheduled',
      dump: () => matching(),
      expect: everyone,
    },
    {
      name: 'universal: an empty step sequence item',
      dump: () => worklistQueryDump(returnKeys, {}),
      expect: everyone,
    },
    {
      name: 'species tells the two Smith^Max apart',
      dump: () => matching({ '(0010,0010) PN': 'Smith^Max', '(0010,2201) LO': 'Feline' }),
      expect: ['Smith^Max/Feline'],
    },
    {
      name: 'Patient ID single value',
      dump: () => matching({ '(0010,0020) LO': 'P200' }),
      expect: ['ABC Farms^Star/Equine'],
    },
    {
      name: 'Accession Number single value',
      dump: () => matching({ '(0008,0050) SH': created.get('luna')!.accessionNumber }),
      expect: ['Núñez^Luna/Feline'],
    },
    {
      name: 'list of Study Instance UIDs',
      dump: () =>
        matching({
          '(0020,000d) UI': `${created.get('maxDog')!.studyInstanceUid}\\${created.get('reks')!.studyInstanceUid}`,
        }),
      expect: ['Smith^Max/Canine', 'Łukasiewicz^Reks/Canine'],
    },
    {
      name: 'modality in the step',
      dump: () => matching({}, { '(0008,0060) CS': 'US' }),
      expect: ['Brown^Whiskers/Feline', 'Müller^Bello/Canine'],
    },
    {
      name: 'scheduled station AE title',
      dump: () => matching({}, { '(0040,0001) AE': 'DR1' }),
      expect: ['Núñez^Luna/Feline', 'Smith^Max/Canine', 'Smith^Max/Feline'],
    },
    {
      name: 'scheduled step id',
      dump: () => matching({}, { '(0040,0009) SH': created.get('bailey')!.scheduledProcedureStepId }),
      expect: ['Jones^Bailey/Canine'],
    },
    {
      name: 'date single value',
      dump: () => matching({}, { '(0040,0002) DA': '20261122' }),
      expect: ['ABC Farms^Star/Equine', 'Smith^Max/Canine', 'Smith^Max/Feline'],
    },
    {
      name: 'date range closed',
      dump: () => matching({}, { '(0040,0002) DA': '20261123-20261124' }),
      expect: [
        'Brown^Whiskers/Feline',
        'Müller^Bello/Canine',
        'Núñez^Luna/Feline',
        'Łukasiewicz^Reks/Canine',
      ],
    },
    {
      name: 'date range open end',
      dump: () => matching({}, { '(0040,0002) DA': '20261124-' }),
      expect: ['Jones^Bailey/Canine', 'Łukasiewicz^Reks/Canine'],
    },
    {
      name: 'date range open start',
      dump: () => matching({}, { '(0040,0002) DA': '-20261122' }),
      expect: ['ABC Farms^Star/Equine', 'Smith^Max/Canine', 'Smith^Max/Feline'],
    },
    {
      name: 'date and time combined: the night shift across midnight',
      dump: () => matching({}, { '(0040,0002) DA': '20261122-20261123', '(0040,0003) TM': '2200-0200' }),
      expect: ['ABC Farms^Star/Equine', 'Müller^Bello/Canine'],
    },
    {
      name: 'time range alone, any day',
      dump: () => matching({}, { '(0040,0003) TM': '0800-0930' }),
      expect: ['Jones^Bailey/Canine', 'Núñez^Luna/Feline', 'Smith^Max/Canine'],
    },
    {
      name: 'no station AE: a profile with calling-ae gets its own items and its modality scheduled for any station',
      dump: () => matching(),
      callingAe: 'US1',
      expect: ['Brown^Whiskers/Feline', 'Müller^Bello/Canine'],
    },
    {
      name: 'no station AE: a profile with modality gets its modality',
      dump: () => matching(),
      callingAe: 'DENTALX',
      expect: ['Łukasiewicz^Reks/Canine'],
    },
    {
      name: 'no station AE: an unknown caller gets everything (default policy all)',
      dump: () => matching(),
      callingAe: 'ANYONE',
      expect: everyone,
    },
    {
      name: 'a cancelled order is gone even when asked by status',
      dump: () => matching({ '(0010,0020) LO': 'P800' }, { '(0040,0020) CS': 'DISCONTINUED' }),
      expect: [],
    },
    {
      name: 'UTF-8 query with a wildcard on Ł',
      dump: () => matching({ '(0008,0005) CS': 'ISO_IR 192', '(0010,0010) PN': 'Łukasiewicz*' }),
      expect: ['Łukasiewicz^Reks/Canine'],
    },
  ];

  it.each(cases)('$name', async (c) => {
    const r = await query(c.dump(), c.callingAe ? { callingAe: c.callingAe } : {});
    expect(r.finalStatuses).toEqual(['0000']);
    expect(names(r)).toEqual([...c.expect].sort());
  });

  it.each([
    ['a single value PN', 'Smith^Max'],
    ['PN matched case-insensitively', 'SMITH^MAX'],
    ['wildcard *', 'Sm*'],
    ['wildcard ?', '?mith^Ma?'],
  ])('%s (%s) finds both pets called Smith^Max', async (_name, pattern) => {
    const r = await query(matching({ '(0010,0010) PN': pattern }));
    expect(r.finalStatuses).toEqual(['0000']);
    expect(names(r)).toEqual(['Smith^Max/Canine', 'Smith^Max/Feline']);
  });

  it('a Latin-1 query is decoded by its own character set', async () => {
    const dump = matching({ '(0008,0005) CS': 'ISO_IR 100', '(0010,0010) PN': 'müller^*' });
    const r = await query(dump, { encoding: 'latin1' });
    expect(names(r)).toEqual(['Müller^Bello/Canine']);
  });
});

describe('what comes back', () => {
  it('every requested key, with the veterinary keys filled and unknown keys empty', async () => {
    const dump = `${keysDump({ ...returnKeys, '(0010,0020) LO': 'P100' })}
(0010,0021) LO []
(0010,0030) DA []
(0010,0040) CS []
(0010,1002) SQ (Sequence with explicit length #=0)
(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)
(0010,1030) DS []
(0010,2202) SQ (Sequence with explicit length #=0)
(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)
(0010,21c0) US (no value available)
(0010,2203) CS []
(0010,2292) LO []
(0010,2297) PN []
(0010,2298) CS []
(0010,2299) LO []
(0032,1032) PN []
(0032,1060) LO []
(0040,1001) SH []
${sps({ '(0040,0007) LO': '', '(0040,0010) SH': '' })}`;
    const r = await query(dump);
    expect(r.responses).toHaveLength(1);
    const x = r.responses[0]!;
    expect(x).toMatchObject({
      SpecificCharacterSet: 'ISO_IR 192',
      PatientName: 'Smith^Max',
      PatientID: 'P100',
      IssuerOfPatientID: 'ezyvet:main',
      PatientBirthDate: '20190401',
      PatientSex: 'M',
      PatientWeight: '31.5',
      PatientSpeciesDescription: 'Canine',
      PatientSexNeutered: 'ALTERED',
      PatientBreedDescription: 'Labrador Retriever',
      ResponsiblePerson: 'Smith^Anna',
      ResponsiblePersonRole: 'OWNER',
      RequestingPhysician: 'Doe^Jane',
      RequestedProcedureDescription: 'DX standard views',
      PregnancyStatus: '',
      ResponsibleOrganization: '',
    });
    expect(x.PatientSpeciesCodeSequence).toEqual([
      expect.objectContaining({
        CodeValue: '448771007',
        CodingSchemeDesignator: 'SCT',
        CodeMeaning: 'Canis lupus familiaris',
      }),
    ]);
    expect(x.OtherPatientIDsSequence).toEqual([expect.objectContaining({ PatientID: '985112345678901' })]);
    expect(step(x)).toMatchObject({
      Modality: 'DX',
      ScheduledStationAETitle: 'DR1',
      ScheduledProcedureStepStartTime: '090000',
    });
  });

  it("the farm's horse carries the organisation, not a person", async () => {
    const dump = matching({
      '(0010,0020) LO': 'P200',
      '(0010,2297) PN': '',
      '(0010,2298) CS': '',
      '(0010,2299) LO': '',
    });
    const [x] = (await query(dump)).responses;
    expect(x).toMatchObject({
      PatientName: 'ABC Farms^Star',
      ResponsibleOrganization: 'ABC Farms',
      ResponsiblePerson: '',
    });
  });

  it('an item scheduled for no particular station names the asking station (type 1 is never empty)', async () => {
    const dump = matching({ '(0010,0020) LO': 'P700' });
    const [x] = (await query(dump, { callingAe: 'USPORTABLE' })).responses;
    expect(step(x!).ScheduledStationAETitle).toBe('USPORTABLE');
  });

  it('answers in UTF-8 by default, with the bytes to match', async () => {
    const dump = matching({ '(0010,0020) LO': 'P400' });
    const r = await query(dump);
    expect(r.responses[0]).toMatchObject({ SpecificCharacterSet: 'ISO_IR 192', PatientName: 'Núñez^Luna' });
    expect(r.rawResponses[0]!.includes(Buffer.from('Núñez^Luna', 'utf8'))).toBe(true);
  });

  it('answers a Latin-1 console in real Latin-1 bytes, transliterating what Latin-1 lacks', async () => {
    // dcmdump +U8 converts by the declared set (and then reports ISO_IR 192), so the declared set
    // and the bytes are checked in the raw response.
    const bello = await query(matching({ '(0010,0020) LO': 'P300' }), {
      callingAe: 'OLDCR',
    });
    expect(bello.responses[0]).toMatchObject({ PatientName: 'Müller^Bello' });
    expect(bello.rawResponses[0]!.includes(Buffer.from('ISO_IR 100'))).toBe(true);
    expect(bello.rawResponses[0]!.includes(Buffer.from('Müller^Bello', 'latin1'))).toBe(true);
    expect(bello.rawResponses[0]!.includes(Buffer.from('Müller', 'utf8'))).toBe(false);
    const reks = await query(matching({ '(0010,0020) LO': 'P500' }), {
      callingAe: 'OLDCR',
    });
    expect(reks.responses[0]).toMatchObject({ PatientName: 'Lukasiewicz^Reks' });
    expect(reks.rawResponses[0]!.includes(Buffer.from('ISO_IR 100'))).toBe(true);
    await stack.agent.waitForCode('worklist_transliterated', {
      where: (l) => (l.values as string[]).some((v) => v.includes('Lukasiewicz')),
    });
  });
});

describe('streaming, refusals and limits', () => {
  it('C-CANCEL stops a long answer with FE00', async () => {
    // A long list for one station, so the cancel arrives while pendings are still being sent.
    const bulk = fixtureOrders[0]!.body as { scheduled: Record<string, unknown> };
    for (let i = 0; i < 300; i++) {
      const body = {
        ...bulk,
        pimsOrderId: `BULK-${i}`,
        scheduled: { ...bulk.scheduled, stationAeTitle: 'BULK' },
      };
      expect((await stack.api('POST', '/v1/orders', body)).status).toBe(201);
    }
    const bulkQuery = await dumpToDicom(matching({}, { '(0040,0001) AE': 'BULK' }));
    await waitUntil('bulk orders served', async () => {
      const r = await findscu({ port: stack.dicomPort, queryFiles: [bulkQuery] });
      return r.responses.length === 300;
    });
    // The cancel races the answer: 300 short pendings can all be sent before findscu, busy on a
    // loaded machine, has read five and cancelled. Then Success with every match is the right
    // answer (PS3.4 C.4.1.2.2.1), so each try must be one of the two, and a few tries must see
    // a cancel land.
    const tries: { status: string | undefined; responses: number }[] = [];
    for (let i = 0; i < 5 && !tries.some((t) => t.status === 'fe00'); i++) {
      const r = await findscu({ port: stack.dicomPort, queryFiles: [bulkQuery], cancelAfter: 5 });
      expect(r.finalStatuses).toHaveLength(1);
      tries.push({ status: r.finalStatuses[0], responses: r.responses.length });
    }
    for (const t of tries) {
      if (t.status === '0000') expect(t.responses).toBe(300);
      else {
        expect(t.status).toBe('fe00');
        expect(t.responses).toBeGreaterThanOrEqual(5);
        expect(t.responses).toBeLessThan(300);
      }
    }
    expect(tries.map((t) => t.status)).toContain('fe00');
  });

  it('two items in the step sequence fail with A900 and an Error Comment; the association carries on', async () => {
    const twoItems = `${keysDump(returnKeys)}
(0040,0100) SQ (Sequence with explicit length #=2)
  (fffe,e000) na (Item with explicit length #=1)
    (0008,0060) CS [DX]
  (fffe,e00d) na (ItemDelimitationItem for re-encoding)
  (fffe,e000) na (Item with explicit length #=1)
    (0008,0060) CS [US]
  (fffe,e00d) na (ItemDelimitationItem for re-encoding)
(fffe,e0dd) na (SequenceDelimitationItem for re-encoding)`;
    const r = await findscu({
      port: stack.dicomPort,
      queryFiles: [await dumpToDicom(twoItems), await dumpToDicom(matching({}, { '(0008,0060) CS': 'CT' }))],
    });
    expect(r.finalStatuses).toEqual(['a900', '0000']);
    expect(r.errorComments.join(' ')).toMatch(/sequence/i);
    expect(names(r)).toEqual(['Jones^Bailey/Canine']);
  });

  it.each([
    ['a malformed date', sps({ '(0040,0002) DA': 'yesterday' })],
    ['an oversized Patient ID', `(0010,0020) LO [${'P'.repeat(70)}]\n${sps({})}`],
  ])('%s fails with A900 and an Error Comment', async (_name, keys) => {
    const r = await query(`(0010,0010) PN []\n${keys}`);
    expect(r.finalStatuses).toEqual(['a900']);
    expect(r.errorComments.length).toBe(1);
    expect(r.responses).toEqual([]);
  });

  it('a query of another SOP class gets a failure status with an Error Comment', async () => {
    const file = await dumpToDicom('(0008,0052) CS [STUDY]\n(0020,000d) UI []');
    const r = await findscu({ port: stack.dicomPort, queryFiles: [file], extraArgs: ['-S'] });
    expect(r.finalStatuses).toEqual(['0122']);
    expect(r.errorComments[0]).toMatch(/worklist/i);
  });

  it('the answer limit stops the stream with A700 and says why', async () => {
    await stack.agent.stop();
    await stack.startAgent({ LIGHTBOX_WORKLIST_ANSWER_LIMIT: '3' });
    await stack.waitLinked();
    const r = await waitUntil('agent answering', async () => {
      const res = await query(matching());
      return res.finalStatuses.length > 0 ? res : null;
    });
    expect(r.responses).toHaveLength(3);
    expect(r.finalStatuses).toEqual(['a700']);
    expect(r.errorComments[0]).toMatch(/limit/i);
  });
});
