import dimse from 'dcmjs-dimse';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WlItem } from '../worklist-attributes.js';
import { dcmdumpDataset, dumpToDataset } from './test-support/dcmtk-tools.js';
import { QUERY_UTF8 } from './test-support/query-fixtures.js';
import { encodeWorklistResponse, type ResponseCharacterSet } from './worklist-response-encoder.js';
import { parseWorklistIdentifier, type RequestedKey, type WorklistQuery } from './worklist-query.js';

const { TransferSyntax } = dimse.constants;
const tsOf = (explicitVr: boolean): string =>
  explicitVr ? TransferSyntax.ExplicitVRLittleEndian : TransferSyntax.ImplicitVRLittleEndian;

const ITEM: WlItem = {
  AccessionNumber: 'ACC1',
  PatientName: 'Müller^Ñandú Łukasz',
  PatientID: 'P1',
  PatientWeight: '12.5',
  PatientSpeciesDescription: 'Canis lupus familiaris',
  StudyInstanceUID: '1.2.3.4.5', // odd length: padded with NUL
  RequestedProcedureDescription: 'Thorax – 2 views',
  ScheduledProcedureStepSequence: [
    {
      Modality: 'DX',
      ScheduledStationAETitle: 'DX1',
      ScheduledProcedureStepStartDate: '20240601',
      ScheduledPerformingPhysicianName: 'Nowak^Łucja',
      ScheduledProcedureStepID: 'SPS1',
      ScheduledProcedureStepDescription: 'not requested',
      ScheduledProtocolCodeSequence: [
        { CodeValue: 'TX2', CodingSchemeDesignator: '99VET', CodeMeaning: 'Thorax, two views' },
      ],
    },
  ],
  // RequestedProcedureID: no value — must come back empty.
};

/** The lines dcmdump prints for the data set (without its header comments). */
const lines = (dump: string): string[] =>
  dump
    .split('\n')
    .filter((l) => /^\s*\(/.test(l))
    .map((l) => l.replace(/\s+#\s*(\d+|u\/l), \d+ .*$/, '').trimEnd());

describe('encodeWorklistResponse read back by dcmdump', () => {
  const queries = new Map<boolean, WorklistQuery>();
  beforeAll(async () => {
    for (const explicitVr of [true, false]) {
      const bytes = await dumpToDataset(QUERY_UTF8, { explicitVr });
      queries.set(explicitVr, parseWorklistIdentifier(bytes, tsOf(explicitVr)));
    }
  });

  const expected = (
    explicitVr: boolean,
    charset: ResponseCharacterSet,
    name: string,
    physician: string,
  ): string[] => [
    `(0008,0005) CS [${charset}]`,
    '(0008,0050) SH [ACC1]',
    '(0009,0010) LO [ACME]',
    `(0009,1001) ${explicitVr ? 'LO' : '??'} (no value available)`,
    `(0010,0010) PN [${name}]`,
    '(0010,0020) LO [P1]',
    '(0010,1030) DS [12.5]',
    '(0010,2201) LO [Canis lupus familiaris]',
    `(0011,1001) ${explicitVr ? 'SH' : '??'} (no value available)`,
    '(0020,000d) UI [1.2.3.4.5]',
    `(0032,1060) LO [Thorax ${charset === 'ISO_IR 100' ? '-' : '–'} 2 views]`,
    '(0040,0100) SQ (Sequence with explicit length #=1)',
    '  (fffe,e000) na (Item with explicit length #=6)',
    '    (0008,0060) CS [DX]',
    '    (0040,0001) AE [DX1]',
    '    (0040,0002) DA [20240601]',
    `    (0040,0006) PN [${physician}]`,
    '    (0040,0008) SQ (Sequence with explicit length #=1)',
    '      (fffe,e000) na (Item with explicit length #=3)',
    '        (0008,0100) SH [TX2]',
    '        (0008,0102) SH [99VET]',
    '        (0008,0104) LO [Thorax, two views]',
    '      (fffe,e00d) na (ItemDelimitationItem for re-encoding)',
    '    (fffe,e0dd) na (SequenceDelimitationItem for re-encod.)',
    '    (0040,0009) SH [SPS1]',
    '  (fffe,e00d) na (ItemDelimitationItem for re-encoding)',
    '(fffe,e0dd) na (SequenceDelimitationItem for re-encod.)',
    '(0040,1001) SH (no value available)',
  ];

  for (const explicitVr of [true, false]) {
    const mode = explicitVr ? 'explicit' : 'implicit';

    it(`writes UTF-8 for ISO_IR 192 (${mode} VR)`, async () => {
      const query = queries.get(explicitVr)!;
      const { bytes, transliterated } = encodeWorklistResponse(query.requested, ITEM, {
        explicitVr,
        characterSet: 'ISO_IR 192',
      });
      expect(transliterated).toEqual([]);
      const dump = await dcmdumpDataset(bytes, { explicitVr, utf8: true });
      expect(lines(dump)).toEqual(expected(explicitVr, 'ISO_IR 192', 'Müller^Ñandú Łukasz', 'Nowak^Łucja'));
      // Our own reader agrees with DCMTK.
      const back = parseWorklistIdentifier(bytes, tsOf(explicitVr));
      expect(back.keys.PatientName).toBe('Müller^Ñandú Łukasz');
      expect(back.queryCharacterSet).toBe('ISO_IR 192');
    });

    it(`writes real Latin-1 for ISO_IR 100, transliterating and reporting (${mode} VR)`, async () => {
      const query = queries.get(explicitVr)!;
      const { bytes, transliterated } = encodeWorklistResponse(query.requested, ITEM, {
        explicitVr,
        characterSet: 'ISO_IR 100',
      });
      expect(transliterated).toEqual([
        { path: 'PatientName', original: 'Müller^Ñandú Łukasz', written: 'Müller^Ñandú Lukasz' },
        { path: 'RequestedProcedureDescription', original: 'Thorax – 2 views', written: 'Thorax - 2 views' },
        {
          path: 'ScheduledProcedureStepSequence[0].ScheduledPerformingPhysicianName',
          original: 'Nowak^Łucja',
          written: 'Nowak^Lucja',
        },
      ]);
      // One byte per character: ü is FC, ñ is F1 — not UTF-8.
      expect(bytes.includes(Buffer.from('M\u00fcller^\u00d1and\u00fa Lukasz', 'latin1'))).toBe(true);
      expect(bytes.includes(Buffer.from('Müller', 'utf8'))).toBe(false);
      // dcmdump as-is prints the Latin-1 bytes and our (0008,0005)…
      const raw = await dcmdumpDataset(bytes, { explicitVr });
      expect(lines(raw)).toEqual(expected(explicitVr, 'ISO_IR 100', 'Müller^Ñandú Lukasz', 'Nowak^Lucja'));
      // …and its conversion to UTF-8, driven by that (0008,0005), gives the same names.
      const converted = await dcmdumpDataset(bytes, { explicitVr, utf8: true });
      expect(converted).toContain('(0010,0010) PN [Müller^Ñandú Lukasz]');
    });
  }

  it('answers every requested key, empty when the item has none', async () => {
    const { bytes } = encodeWorklistResponse(
      queries.get(true)!.requested,
      {},
      {
        explicitVr: true,
        characterSet: 'ISO_IR 192',
      },
    );
    expect(lines(await dcmdumpDataset(bytes, { explicitVr: true }))).toEqual([
      '(0008,0005) CS [ISO_IR 192]',
      '(0008,0050) SH (no value available)',
      '(0009,0010) LO [ACME]',
      '(0009,1001) LO (no value available)',
      '(0010,0010) PN (no value available)',
      '(0010,0020) LO (no value available)',
      '(0010,1030) DS (no value available)',
      '(0010,2201) LO (no value available)',
      '(0011,1001) SH (no value available)',
      '(0020,000d) UI (no value available)',
      '(0032,1060) LO (no value available)',
      '(0040,0100) SQ (Sequence with explicit length #=0)',
      '(fffe,e0dd) na (SequenceDelimitationItem for re-encod.)',
      '(0040,1001) SH (no value available)',
    ]);
  });
});

describe('encodeWorklistResponse encoding details', () => {
  const key = (
    tag: number,
    vr: string,
    keyword?: string,
    extra: Partial<RequestedKey> = {},
  ): RequestedKey => ({
    tag,
    vr,
    ...(keyword ? { keyword } : {}),
    ...extra,
  });

  it('pads to even lengths: UI with NUL, text with space', () => {
    const requested = [key(0x0020000d, 'UI', 'StudyInstanceUID'), key(0x00100010, 'PN', 'PatientName')];
    const { bytes } = encodeWorklistResponse(
      requested,
      { StudyInstanceUID: '1.2.3', PatientName: 'Rex' },
      {
        explicitVr: true,
        characterSet: 'ISO_IR 192',
        cache: false,
      },
    );
    // Sorted by tag, (0008,0005) first.
    expect(bytes.subarray(0, 8).toString('hex')).toBe('08000500' + '4353' + '0a00');
    expect(bytes.includes(Buffer.from('1.2.3\0', 'latin1'))).toBe(true);
    expect(bytes.includes(Buffer.from('Rex ', 'latin1'))).toBe(true);
    expect(bytes.length % 2).toBe(0);
  });

  it('writes a 4-byte length for long VRs in explicit VR, binary numbers for US', () => {
    const requested = [key(0x00091001, 'UT'), key(0x00281050, 'US', 'WindowCenter')];
    const { bytes } = encodeWorklistResponse(
      requested,
      { WindowCenter: '40\\400' },
      {
        explicitVr: true,
        characterSet: 'ISO_IR 192',
        cache: false,
      },
    );
    const ut = bytes.indexOf(Buffer.from([0x09, 0x00, 0x01, 0x10]));
    expect(bytes.subarray(ut + 4, ut + 12).toString('hex')).toBe('5554' + '0000' + '00000000');
    const us = bytes.indexOf(Buffer.from([0x28, 0x00, 0x50, 0x10]));
    expect(bytes.subarray(us + 4, us + 12).toString('hex')).toBe('5553' + '0400' + '2800' + '9001');
  });

  it('never echoes the query’s own (0008,0005) or group lengths', () => {
    const requested = [
      key(0x00080000, 'UL'),
      key(0x00080005, 'CS', 'SpecificCharacterSet'),
      key(0x00080050, 'SH'),
    ];
    const { bytes } = encodeWorklistResponse(
      requested,
      {},
      { explicitVr: false, characterSet: 'ISO_IR 100' },
    );
    expect(bytes.toString('hex')).toBe(
      '08000500' + '0a000000' + Buffer.from('ISO_IR 100').toString('hex') + '08005000' + '00000000',
    );
  });

  it('caches per item and query shape, and re-encodes a new revision', () => {
    const requested = [key(0x00100010, 'PN', 'PatientName')];
    const item: WlItem = { PatientName: 'Rex' };
    const opts = { explicitVr: true, characterSet: 'ISO_IR 192' as const, revision: 1 };
    const first = encodeWorklistResponse(requested, item, opts);
    expect(encodeWorklistResponse(requested, item, opts)).toBe(first);
    // An equal list from another query shares the entry.
    expect(encodeWorklistResponse([key(0x00100010, 'PN', 'PatientName')], item, opts)).toBe(first);
    // Another mode or character set is another entry.
    expect(encodeWorklistResponse(requested, item, { ...opts, explicitVr: false })).not.toBe(first);
    item.PatientName = 'Rex II';
    const next = encodeWorklistResponse(requested, item, { ...opts, revision: 2 });
    expect(next.bytes.includes(Buffer.from('Rex II'))).toBe(true);
    // A derived item keyed on its source and a variant.
    const source = {};
    const a = encodeWorklistResponse(
      requested,
      { PatientName: 'A' },
      { ...opts, cacheKey: source, variant: 'DX1' },
    );
    expect(
      encodeWorklistResponse(requested, { PatientName: 'A' }, { ...opts, cacheKey: source, variant: 'DX1' }),
    ).toBe(a);
    expect(
      encodeWorklistResponse(requested, { PatientName: 'A' }, { ...opts, cacheKey: source, variant: 'DX2' }),
    ).not.toBe(a);
  });
});
