import { describe, expect, it } from 'vitest';
import type { WlItem } from '../worklist-attributes.js';
import { checkQuery, compileQuery, itemMatches, type MatchOptions } from './worklist-matcher.js';

/**
 * The practice's worklist as the agent stores it: two pets called `Smith^Max` (a dog and a cat),
 * a farm's horse, names with ü, ñ and Ł, a night shift across midnight, a multi-step order, an
 * item with no station and no status, and steps that are discontinued or started.
 */
interface Order {
  name: string;
  species: string;
  id: string;
  steps: WlItem[];
  more?: WlItem;
}

const step = (
  modality: string,
  station: string | undefined,
  date: string,
  time: string,
  status: string | null = 'SCHEDULED',
  more: WlItem = {},
): WlItem => ({
  Modality: modality,
  ...(station === undefined ? {} : { ScheduledStationAETitle: station }),
  ScheduledProcedureStepStartDate: date,
  ScheduledProcedureStepStartTime: time,
  ...(status === null ? {} : { ScheduledProcedureStepStatus: status }),
  ScheduledProcedureStepID: `S-${modality}-${date}-${time}`,
  ...more,
});

const orders: Order[] = [
  {
    name: 'Smith^Max',
    species: 'Canine',
    id: 'P100',
    steps: [
      step('DX', 'DR1', '20261122', '090000', 'SCHEDULED', {
        ScheduledProtocolCodeSequence: [{ CodeValue: 'DX-STD', CodingSchemeDesignator: 'EZYVET' }],
      }),
    ],
    more: {
      PatientBirthDate: '20190401',
      PatientWeight: '31.5',
      ResponsiblePerson: 'Smith^Anna',
      RequestedProcedureDescription: 'Thorax (2 views) [DX]',
      PatientSpeciesCodeSequence: [{ CodeValue: '448771007', CodingSchemeDesignator: 'SCT' }],
      OtherPatientIDsSequence: [
        { PatientID: '985112345678901', IssuerOfPatientID: 'MICROCHIP', TypeOfPatientID: 'RFID' },
      ],
    },
  },
  { name: 'Smith^Max', species: 'Feline', id: 'P101', steps: [step('DX', 'DR1', '20261122', '103000')] },
  {
    name: 'ABC Farms^Star',
    species: 'Equine',
    id: 'P200',
    steps: [step('DX', 'DR2', '20261122', '233000')],
    more: { ResponsibleOrganization: 'ABC Farms' },
  },
  { name: 'Müller^Bello', species: 'Canine', id: 'P300', steps: [step('US', 'US1', '20261123', '010000')] },
  { name: 'Núñez^Luna', species: 'Feline', id: 'P400', steps: [step('DX', 'DR1', '20261123', '080000')] },
  {
    name: 'Łukasiewicz^Reks',
    species: 'Canine',
    id: 'P500',
    steps: [step('IO', 'DENTAL1', '20261124', '140000')],
  },
  {
    name: 'Jones^Bailey',
    species: 'Canine',
    id: 'P600',
    // Two steps: the CT is scheduled, the radiograph before it is done.
    steps: [step('CT', 'CT1', '20261125', '093045.5'), step('CR', 'CR1', '20261125', '083000', 'COMPLETED')],
  },
  // Any station; an order whose step carries no status at all.
  {
    name: 'Brown^Whiskers',
    species: 'Feline',
    id: 'P700',
    steps: [step('US', undefined, '20261123', '120000', null)],
  },
  {
    name: 'Taylor^Rocky',
    species: 'Canine',
    id: 'P800',
    steps: [step('DX', 'DR1', '20261122', '110000', 'DISCONTINUED')],
  },
  {
    name: 'Green^Bella',
    species: 'Canine',
    id: 'P900',
    steps: [step('DX', 'DR1', '20261122', '120000', 'STARTED')],
  },
];

const uid = (id: string) => `1.2.826.0.1.3680043.10.543.${id.slice(1)}`;

const items: WlItem[] = orders.map((o) => ({
  AccessionNumber: `A${o.id.slice(1)}`,
  PatientName: o.name,
  PatientID: o.id,
  PatientSpeciesDescription: o.species,
  StudyInstanceUID: uid(o.id),
  ...o.more,
  ScheduledProcedureStepSequence: o.steps,
}));

const label = (item: WlItem) => `${item.PatientName as string}/${item.PatientSpeciesDescription as string}`;
const CI: MatchOptions = { patientNameCaseInsensitive: true };

function matching(query: WlItem, options: MatchOptions = CI): string[] {
  expect(checkQuery(query)).toEqual({ ok: true });
  const matches = compileQuery(query, options);
  return items.filter(matches).map(label).sort();
}

/** What an all-universal query sees: every order except the discontinued and the started one. */
const visible = [
  'ABC Farms^Star/Equine',
  'Brown^Whiskers/Feline',
  'Jones^Bailey/Canine',
  'Müller^Bello/Canine',
  'Núñez^Luna/Feline',
  'Smith^Max/Canine',
  'Smith^Max/Feline',
  'Łukasiewicz^Reks/Canine',
];
const sps = (keys: WlItem): WlItem => ({ ScheduledProcedureStepSequence: [keys] });

interface Case {
  name: string;
  query: WlItem;
  expect: string[];
  options?: MatchOptions;
}

const cases: Case[] = [
  // Universal matching.
  { name: 'an empty identifier matches everything scheduled', query: {}, expect: visible },
  {
    name: 'empty keys, padded or not, are universal',
    query: {
      PatientName: '',
      PatientID: '  ',
      AccessionNumber: '',
      ...sps({ Modality: '', ScheduledStationAETitle: '' }),
    },
    expect: visible,
  },
  {
    name: 'an empty step sequence is universal',
    query: { ScheduledProcedureStepSequence: [] },
    expect: visible,
  },
  { name: 'a step sequence with one empty item is universal', query: sps({}), expect: visible },
  {
    name: 'a zero-length step sequence value is universal',
    query: { ScheduledProcedureStepSequence: '' },
    expect: visible,
  },
  {
    name: 'an empty key sent with an empty item list is universal',
    query: { PatientName: [] },
    expect: visible,
  },
  { name: 'a lone * is universal on a wildcard key', query: { PatientName: '*' }, expect: visible },
  {
    name: 'a lone * is universal even on a single-value key',
    query: { PatientID: '**', ...sps({ Modality: '*' }) },
    expect: visible,
  },
  { name: 'a person name of only delimiters is universal', query: { PatientName: '^^^^' }, expect: visible },

  // Single value matching, PN.
  {
    name: 'PN single value finds both pets called Smith^Max',
    query: { PatientName: 'Smith^Max' },
    expect: ['Smith^Max/Canine', 'Smith^Max/Feline'],
  },
  {
    name: 'PN is case-insensitive by default',
    query: { PatientName: 'SMITH^MAX' },
    expect: ['Smith^Max/Canine', 'Smith^Max/Feline'],
  },
  {
    name: 'PN padding, leading spaces and trailing delimiters are ignored',
    query: { PatientName: ' Smith^Max^^^ ' },
    expect: ['Smith^Max/Canine', 'Smith^Max/Feline'],
  },
  {
    name: 'PN matches whole names: a family name alone is not a match',
    query: { PatientName: 'SMITH' },
    expect: [],
  },
  {
    name: 'PN case-sensitive when configured so',
    query: { PatientName: 'SMITH^MAX' },
    options: { patientNameCaseInsensitive: false },
    expect: [],
  },
  {
    name: 'PN exact case still matches when case-sensitive',
    query: { PatientName: 'Smith^Max' },
    options: { patientNameCaseInsensitive: false },
    expect: ['Smith^Max/Canine', 'Smith^Max/Feline'],
  },
  {
    name: 'the species key tells the two Smith^Max apart',
    query: { PatientName: 'Smith^Max', PatientSpeciesDescription: 'Feline' },
    expect: ['Smith^Max/Feline'],
  },
  { name: 'LO is case-sensitive', query: { PatientSpeciesDescription: 'feline' }, expect: [] },
  {
    name: "the farm's horse by its name",
    query: { PatientName: 'ABC Farms^Star' },
    expect: ['ABC Farms^Star/Equine'],
  },
  {
    name: "the farm's horse by its organisation",
    query: { ResponsibleOrganization: 'ABC Farms' },
    expect: ['ABC Farms^Star/Equine'],
  },
  {
    name: 'other PN keys are case-insensitive too',
    query: { ResponsiblePerson: 'smith^anna' },
    expect: ['Smith^Max/Canine'],
  },
  {
    name: 'a list of names matches any of them',
    query: { PatientName: 'Jones^Bailey\\Brown^Whiskers' },
    expect: ['Brown^Whiskers/Feline', 'Jones^Bailey/Canine'],
  },

  // Wildcards.
  { name: 'wildcard *', query: { PatientName: 'Sm*' }, expect: ['Smith^Max/Canine', 'Smith^Max/Feline'] },
  {
    name: 'wildcard ?',
    query: { PatientName: '?mith^Ma?' },
    expect: ['Smith^Max/Canine', 'Smith^Max/Feline'],
  },
  {
    name: 'PN wildcards are case-insensitive',
    query: { PatientName: 'abc*^s*' },
    expect: ['ABC Farms^Star/Equine'],
  },
  {
    name: 'müller^* finds Müller^Bello',
    query: { PatientName: 'müller^*' },
    expect: ['Müller^Bello/Canine'],
  },
  { name: 'ñ and ú fold case', query: { PatientName: 'NÚÑEZ^LUNA' }, expect: ['Núñez^Luna/Feline'] },
  {
    name: 'Ł folds case under a wildcard',
    query: { PatientName: 'łukasiewicz*' },
    expect: ['Łukasiewicz^Reks/Canine'],
  },
  {
    name: '? is one character, Ł included',
    query: { PatientName: '?ukasiewicz^Reks' },
    expect: ['Łukasiewicz^Reks/Canine'],
  },
  {
    name: 'a decomposed ñ (NFD) matches the stored precomposed one',
    query: { PatientName: 'Nu\u0301n\u0303ez^Luna' },
    expect: ['Núñez^Luna/Feline'],
  },
  {
    name: 'LO wildcards: * with ?',
    query: { ResponsibleOrganization: 'AB? F*' },
    expect: ['ABC Farms^Star/Equine'],
  },
  { name: 'LO wildcards stay case-sensitive', query: { ResponsibleOrganization: 'abc*' }, expect: [] },
  {
    name: 'regex metacharacters are literal',
    query: { RequestedProcedureDescription: 'Thorax (2 views) [DX]' },
    expect: ['Smith^Max/Canine'],
  },
  {
    name: 'regex metacharacters are literal around wildcards',
    query: { RequestedProcedureDescription: '*(? views) [DX]' },
    expect: ['Smith^Max/Canine'],
  },
  { name: 'a dot is not a wildcard', query: { RequestedProcedureDescription: 'Thorax.*' }, expect: [] },
  { name: 'a range on a PN is a literal', query: { PatientName: 'A-Z' }, expect: [] },

  // Single-value-only keys.
  { name: 'Patient ID single value', query: { PatientID: 'P200' }, expect: ['ABC Farms^Star/Equine'] },
  { name: 'Patient ID: * is a literal', query: { PatientID: 'P20*' }, expect: [] },
  { name: 'Patient ID: ? is a literal', query: { PatientID: 'P?00' }, expect: [] },
  {
    name: 'Patient ID list',
    query: { PatientID: 'P100\\P200' },
    expect: ['ABC Farms^Star/Equine', 'Smith^Max/Canine'],
  },
  {
    name: 'modality in the step',
    query: sps({ Modality: 'US' }),
    expect: ['Brown^Whiskers/Feline', 'Müller^Bello/Canine'],
  },
  { name: 'modality is case-sensitive', query: sps({ Modality: 'us' }), expect: [] },
  { name: 'modality: * is a literal', query: sps({ Modality: 'U*' }), expect: [] },
  {
    name: 'scheduled station AE title',
    query: sps({ ScheduledStationAETitle: 'DR1' }),
    expect: ['Núñez^Luna/Feline', 'Smith^Max/Canine', 'Smith^Max/Feline'],
  },
  { name: 'station AE title: * is a literal', query: sps({ ScheduledStationAETitle: 'DR*' }), expect: [] },

  // UIDs.
  {
    name: 'list of Study Instance UIDs',
    query: { StudyInstanceUID: `${uid('P100')}\\${uid('P500')}` },
    expect: ['Smith^Max/Canine', 'Łukasiewicz^Reks/Canine'],
  },
  {
    name: 'a UID padded with NUL',
    query: { StudyInstanceUID: `${uid('P200')}\0` },
    expect: ['ABC Farms^Star/Equine'],
  },
  { name: 'a UID prefix is no match', query: { StudyInstanceUID: '1.2.826.0.1.3680043.10.543' }, expect: [] },

  // Dates and times.
  {
    name: 'date single value',
    query: sps({ ScheduledProcedureStepStartDate: '20261122' }),
    expect: ['ABC Farms^Star/Equine', 'Smith^Max/Canine', 'Smith^Max/Feline'],
  },
  {
    name: 'date range closed',
    query: sps({ ScheduledProcedureStepStartDate: '20261123-20261124' }),
    expect: ['Brown^Whiskers/Feline', 'Müller^Bello/Canine', 'Núñez^Luna/Feline', 'Łukasiewicz^Reks/Canine'],
  },
  {
    name: 'date range open end',
    query: sps({ ScheduledProcedureStepStartDate: '20261124-' }),
    expect: ['Jones^Bailey/Canine', 'Łukasiewicz^Reks/Canine'],
  },
  {
    name: 'date range open start',
    query: sps({ ScheduledProcedureStepStartDate: '-20261122' }),
    expect: ['ABC Farms^Star/Equine', 'Smith^Max/Canine', 'Smith^Max/Feline'],
  },
  {
    name: 'a reversed date range matches nothing',
    query: sps({ ScheduledProcedureStepStartDate: '20261124-20261122' }),
    expect: [],
  },
  {
    name: 'date and time combined: the night shift across midnight',
    query: sps({
      ScheduledProcedureStepStartDate: '20261122-20261123',
      ScheduledProcedureStepStartTime: '2200-0200',
    }),
    expect: ['ABC Farms^Star/Equine', 'Müller^Bello/Canine'],
  },
  {
    name: 'date and time combined, open end: from the 23rd at noon on',
    query: sps({ ScheduledProcedureStepStartDate: '20261123-', ScheduledProcedureStepStartTime: '1200-' }),
    expect: ['Brown^Whiskers/Feline', 'Jones^Bailey/Canine', 'Łukasiewicz^Reks/Canine'],
  },
  {
    name: 'date and time combined, open start: until the 22nd at 10:30',
    query: sps({ ScheduledProcedureStepStartDate: '-20261122', ScheduledProcedureStepStartTime: '-1030' }),
    expect: ['Smith^Max/Canine', 'Smith^Max/Feline'],
  },
  {
    name: 'date single with a time range: matched each on its own',
    query: sps({ ScheduledProcedureStepStartDate: '20261122', ScheduledProcedureStepStartTime: '0800-1100' }),
    expect: ['Smith^Max/Canine', 'Smith^Max/Feline'],
  },
  {
    name: 'date range with a single time: matched each on its own',
    query: sps({
      ScheduledProcedureStepStartDate: '20261122-20261125',
      ScheduledProcedureStepStartTime: '0900',
    }),
    expect: ['Smith^Max/Canine'],
  },
  {
    name: 'date and time both single: that minute of that day',
    query: sps({ ScheduledProcedureStepStartDate: '20261122', ScheduledProcedureStepStartTime: '2330' }),
    expect: ['ABC Farms^Star/Equine'],
  },
  {
    name: 'time range alone, any day; its end includes the whole last minute',
    query: sps({ ScheduledProcedureStepStartTime: '0800-0930' }),
    expect: ['Jones^Bailey/Canine', 'Núñez^Luna/Feline', 'Smith^Max/Canine'],
  },
  {
    name: 'a time range end to the second',
    query: sps({ ScheduledProcedureStepStartTime: '0800-093044' }),
    expect: ['Núñez^Luna/Feline', 'Smith^Max/Canine'],
  },
  {
    name: 'a time given to the hour is that hour',
    query: sps({ ScheduledProcedureStepStartTime: '09' }),
    expect: ['Jones^Bailey/Canine', 'Smith^Max/Canine'],
  },
  {
    name: 'a time with a fraction',
    query: sps({ ScheduledProcedureStepStartTime: '093045.5' }),
    expect: ['Jones^Bailey/Canine'],
  },
  {
    name: 'a time range alone does not cross midnight (PS3.4 C.2.2.2.5.2)',
    query: sps({ ScheduledProcedureStepStartTime: '2200-0200' }),
    expect: [],
  },
  {
    name: 'birth date range: items with no birth date never match',
    query: { PatientBirthDate: '20190101-20191231' },
    expect: ['Smith^Max/Canine'],
  },

  // Sequences.
  {
    name: 'other patient IDs: found by microchip',
    query: { OtherPatientIDsSequence: [{ PatientID: '985112345678901' }] },
    expect: ['Smith^Max/Canine'],
  },
  {
    name: 'a code sequence at the top level',
    query: { PatientSpeciesCodeSequence: [{ CodeValue: '448771007' }] },
    expect: ['Smith^Max/Canine'],
  },
  {
    name: 'a code sequence inside the step',
    query: sps({ ScheduledProtocolCodeSequence: [{ CodeValue: 'DX-STD' }] }),
    expect: ['Smith^Max/Canine'],
  },
  {
    name: 'a sequence item of only universal keys is universal',
    query: { OtherPatientIDsSequence: [{ PatientID: '' }] },
    expect: visible,
  },
  { name: 'any stored step may match', query: sps({ Modality: 'CT' }), expect: ['Jones^Bailey/Canine'] },
  {
    name: 'all keys must match within one step',
    query: sps({ Modality: 'CT', ScheduledStationAETitle: 'CR1' }),
    expect: [],
  },

  // Status hiding.
  { name: 'a completed step is hidden unless asked for', query: sps({ Modality: 'CR' }), expect: [] },
  {
    name: 'a completed step is found when its status is asked',
    query: sps({ Modality: 'CR', ScheduledProcedureStepStatus: 'COMPLETED' }),
    expect: ['Jones^Bailey/Canine'],
  },
  {
    name: 'discontinued, when asked',
    query: sps({ ScheduledProcedureStepStatus: 'DISCONTINUED' }),
    expect: ['Taylor^Rocky/Canine'],
  },
  {
    name: 'an empty status asks for nothing: hidden stay hidden',
    query: sps({ ScheduledProcedureStepStatus: '  ' }),
    expect: visible,
  },
  {
    name: 'a list of statuses',
    query: sps({ ScheduledProcedureStepStatus: 'SCHEDULED\\STARTED' }),
    // Whiskers' step has no status: asked for SCHEDULED or STARTED, it has neither.
    expect: [...visible.filter((v) => v !== 'Brown^Whiskers/Feline'), 'Green^Bella/Canine'].sort(),
  },
  {
    name: 'a status of * shows every status',
    query: sps({ ScheduledProcedureStepStatus: '*' }),
    expect: [...visible, 'Green^Bella/Canine', 'Taylor^Rocky/Canine'].sort(),
  },
  {
    name: 'a status outside the step sequence does not unhide',
    query: { ScheduledProcedureStepStatus: 'DISCONTINUED', PatientID: 'P800' },
    expect: [],
  },

  // Return keys.
  {
    name: 'keys the dictionary does not know are return keys',
    query: {
      PatientName: 'Smith^Max',
      PregnancyStatus: '4',
      '00091001': 'anything',
      '0011102F': [{ X: 'y' }],
    },
    expect: ['Smith^Max/Canine', 'Smith^Max/Feline'],
  },
  {
    name: 'Specific Character Set is never matched',
    query: { SpecificCharacterSet: 'ISO_IR 192' },
    expect: visible,
  },
  {
    name: 'a step key at the top level is a return key',
    query: { Modality: 'US', ScheduledStationAETitle: 'NOWHERE' },
    expect: visible,
  },
  {
    name: 'a top-level key inside the step is a return key',
    query: sps({ PatientName: 'Nobody' }),
    expect: visible,
  },
  {
    name: 'a key of an unmatched VR still matches as a number',
    query: { PatientWeight: '31.50' },
    expect: ['Smith^Max/Canine'],
  },
];

describe('worklist matching', () => {
  it.each(cases)('$name', (c) => {
    expect(matching(c.query, c.options)).toEqual([...c.expect].sort());
  });

  it('itemMatches agrees with compileQuery', () => {
    const query: WlItem = { PatientName: 'smith^*', ...sps({ Modality: 'DX' }) };
    const compiled = compileQuery(query, CI);
    for (const item of items) expect(itemMatches(query, item, CI)).toBe(compiled(item));
  });

  it('stored values with padding still match', () => {
    const padded: WlItem = {
      PatientName: 'Smith^Max ',
      PatientID: 'P100 ',
      StudyInstanceUID: `${uid('P100')}\0`,
      ScheduledProcedureStepSequence: [
        {
          Modality: 'DX ',
          ScheduledProcedureStepStartDate: '20261122',
          ScheduledProcedureStepStartTime: '090000 ',
        },
      ],
    };
    const query: WlItem = {
      PatientName: 'SMITH^MAX',
      PatientID: 'P100',
      StudyInstanceUID: uid('P100'),
      ...sps({
        Modality: 'DX',
        ScheduledProcedureStepStartDate: '20261122',
        ScheduledProcedureStepStartTime: '0900-0901',
      }),
    };
    expect(itemMatches(query, padded, CI)).toBe(true);
  });

  it('a stored value that is not a valid date does not match a date key', () => {
    const broken: WlItem = {
      ScheduledProcedureStepSequence: [{ ScheduledProcedureStepStartDate: '2026-11-22' }],
    };
    expect(itemMatches(sps({ ScheduledProcedureStepStartDate: '20261122' }), broken, CI)).toBe(false);
    expect(itemMatches(sps({}), broken, CI)).toBe(true);
  });

  it('an item without steps has no status to hide it, and no value for a step key', () => {
    const bare: WlItem = { PatientName: 'Smith^Max' };
    expect(itemMatches({}, bare, CI)).toBe(true);
    expect(itemMatches(sps({ Modality: '' }), bare, CI)).toBe(true);
    expect(itemMatches(sps({ Modality: 'DX' }), bare, CI)).toBe(false);
    expect(
      itemMatches(
        { ScheduledProcedureStepSequence: [] },
        { ...bare, ScheduledProcedureStepSequence: [] },
        CI,
      ),
    ).toBe(true);
  });

  it('matches PN component groups the query gives, each against its own group', () => {
    const yamada: WlItem = { PatientName: 'Yamada^Tarou=山田^太郎=やまだ^たろう' };
    const name = (key: string, item: WlItem = yamada) => itemMatches({ PatientName: key }, item, CI);
    expect(name('YAMADA^TAROU')).toBe(true);
    expect(name('=山田^太郎')).toBe(true);
    expect(name('=山田*')).toBe(true);
    expect(name('*=*=やまだ^たろう')).toBe(true);
    expect(name('Yamada^Tarou=田中^太郎')).toBe(false);
    expect(name('=山田^太郎', { PatientName: 'Yamada^Tarou' })).toBe(false);
  });

  it('a query that fails the check matches nothing', () => {
    const bad = sps({ ScheduledProcedureStepStartDate: 'yesterday' });
    expect(items.filter(compileQuery(bad, CI))).toEqual([]);
  });
});

describe('checkQuery', () => {
  const A900 = 0xa900;

  it.each<[string, WlItem]>([
    ['an empty identifier', {}],
    ['date forms', sps({ ScheduledProcedureStepStartDate: '20261122-' })],
    ['time forms', sps({ ScheduledProcedureStepStartTime: '-093000.123456' })],
    ['a leap second', sps({ ScheduledProcedureStepStartTime: '235960' })],
    ['two 64-character UIDs in a list', { StudyInstanceUID: `${'1.'.repeat(31)}11\\${'2.'.repeat(31)}22` }],
    ['a wildcard SH key whose stars do not count', { AccessionNumber: `*${'A'.repeat(16)}*` }],
    ['PN groups of 64 characters each', { PatientName: `${'a'.repeat(64)}=${'b'.repeat(64)}` }],
    ['64 characters outside the BMP', { PatientSpeciesDescription: '𝔘'.repeat(64) }],
    ['unknown keys, however odd', { '00091001': 'x'.repeat(1000), PregnancyStatus: 'zzz' }],
    ['an unknown sequence with two items', { '00091010': [{}, {}] }],
    ['a misplaced step key, however long', { Modality: 'X'.repeat(40) }],
  ])('accepts %s', (_name, query) => {
    expect(checkQuery(query)).toEqual({ ok: true });
  });

  it.each<[string, WlItem, RegExp]>([
    [
      'two items in the step sequence',
      { ScheduledProcedureStepSequence: [{ Modality: 'DX' }, { Modality: 'US' }] },
      /ScheduledProcedureStepSequence.*2 items/,
    ],
    [
      'two items in a nested sequence',
      sps({ ScheduledProtocolCodeSequence: [{}, {}] }),
      /ScheduledProtocolCodeSequence/,
    ],
    ['two items in another sequence', { OtherPatientIDsSequence: [{}, {}] }, /OtherPatientIDsSequence/],
    [
      'a malformed date',
      sps({ ScheduledProcedureStepStartDate: 'yesterday' }),
      /StartDate: bad DA 'yesterday'/,
    ],
    ['a date with dashes', sps({ ScheduledProcedureStepStartDate: '2026-11-22' }), /bad DA/],
    ['a day that does not exist', sps({ ScheduledProcedureStepStartDate: '20261131' }), /bad DA '20261131'/],
    ['a date range of three', sps({ ScheduledProcedureStepStartDate: '1-2-3' }), /bad DA '1-2-3'/],
    ['a range with no ends', sps({ ScheduledProcedureStepStartDate: '-' }), /bad DA '-'/],
    ['a date wildcard', { PatientBirthDate: '2019*' }, /bad DA/],
    ['a time with letters', sps({ ScheduledProcedureStepStartTime: 'noon' }), /bad TM 'noon'/],
    ['an hour that does not exist', sps({ ScheduledProcedureStepStartTime: '2500' }), /bad TM/],
    ['a time with colons', sps({ ScheduledProcedureStepStartTime: '09:00' }), /bad TM/],
    ['a time range with a bad end', sps({ ScheduledProcedureStepStartTime: '0800-0960' }), /bad TM/],
    ['a UID with letters', { StudyInstanceUID: '1.2.abc' }, /StudyInstanceUID: bad UI '1.2.abc'/],
    ['a UID wildcard', { StudyInstanceUID: '1.2.*' }, /bad UI/],
    ['a UID over 64', { StudyInstanceUID: '1'.repeat(65) }, /UI over 64/],
    ['a list with one UID over 64', { StudyInstanceUID: `1.2\\${'1'.repeat(65)}` }, /UI over 64/],
    ['an oversized Patient ID', { PatientID: 'P'.repeat(70) }, /PatientID: LO over 64 chars 'PPP/],
    ['an oversized Accession Number', { AccessionNumber: 'A'.repeat(17) }, /AccessionNumber: SH over 16/],
    ['an oversized PN group', { PatientName: `${'a'.repeat(65)}=b` }, /PatientName: PN group over 64/],
    ['an oversized AE title in the step', sps({ ScheduledStationAETitle: 'A'.repeat(17) }), /AE over 16/],
    ['an oversized CS in the step', sps({ Modality: 'M'.repeat(17) }), /Modality: CS over 16/],
    ['a date range with spaces', { PatientBirthDate: '20190101 -2019123' }, /bad DA/],
    ['an oversized date range', { PatientBirthDate: '20190101 - 20191231' }, /DA over 18/],
    ['a bad number', { PatientWeight: 'heavy' }, /bad DS/],
    ['a value for a sequence', { ScheduledProcedureStepSequence: 'DX' }, /ScheduledProcedureStepSequence/],
    ['items for a value', { PatientName: [{ PatientName: 'x' }] }, /PatientName: items/],
  ])('refuses %s with A900', (_name, query, comment) => {
    const check = checkQuery(query);
    expect(check).toMatchObject({ ok: false, status: A900 });
    if (check.ok) return;
    expect(check.comment).toMatch(comment);
    expect(check.comment.length).toBeLessThanOrEqual(64);
  });

  it('keeps the Error Comment to 64 printable ASCII characters', () => {
    const check = checkQuery({ PatientName: 'Ł'.repeat(70) });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.comment).toMatch(/^PatientName: PN group over 64 chars '\?+\.\.\.$/);
    expect(check.comment).toHaveLength(64);
  });
});
