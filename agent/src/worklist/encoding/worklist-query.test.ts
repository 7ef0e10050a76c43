import dimse from 'dcmjs-dimse';
import { describe, expect, it } from 'vitest';
import { dumpToDataset } from './test-support/dcmtk-tools.js';
import {
  NAME_LATIN1,
  NAME_UTF8,
  QUERY_LATIN1,
  QUERY_TAGS,
  QUERY_UTF8,
} from './test-support/query-fixtures.js';
import {
  parseWorklistIdentifier,
  parseWorklistQuery,
  WorklistQueryError,
  type RequestedKey,
} from './worklist-query.js';

const { TransferSyntax } = dimse.constants;
const tsOf = (explicitVr: boolean): string =>
  explicitVr ? TransferSyntax.ExplicitVRLittleEndian : TransferSyntax.ImplicitVRLittleEndian;
const byTag = (keys: readonly RequestedKey[], tag: number): RequestedKey | undefined =>
  keys.find((k) => k.tag === tag);

const cases = [
  { charset: 'ISO_IR 192', dump: QUERY_UTF8, encoding: 'utf8', name: NAME_UTF8 },
  { charset: 'ISO_IR 100', dump: QUERY_LATIN1, encoding: 'latin1', name: NAME_LATIN1 },
] as const;

describe('parseWorklistIdentifier on queries made by dump2dcm', () => {
  for (const explicitVr of [true, false]) {
    for (const c of cases) {
      it(`decodes ${c.charset}, ${explicitVr ? 'explicit' : 'implicit'} VR`, async () => {
        const bytes = await dumpToDataset(c.dump, { explicitVr, encoding: c.encoding });
        const q = parseWorklistIdentifier(bytes, tsOf(explicitVr));

        expect(q.queryCharacterSet).toBe(c.charset);
        expect(q.characterSetKnown).toBe(true);
        expect(q.keys.PatientName).toBe(c.name);
        expect(q.keys.PatientWeight).toBe('12.50'); // as sent, not re-formatted as a number
        expect(q.keys.AccessionNumber).toBe('');
        expect(q.keys.SpecificCharacterSet).toBeUndefined();
        expect(q.keys.ScheduledProcedureStepSequence).toEqual([
          {
            Modality: 'DX',
            ScheduledStationAETitle: 'DX1', // padding trimmed
            ScheduledProcedureStepStartDate: '20240101-20241231',
            ScheduledPerformingPhysicianName: '',
            ScheduledProtocolCodeSequence: [],
            ScheduledProcedureStepID: '',
          },
        ]);

        expect(q.requested.map((k) => k.tag)).toEqual(QUERY_TAGS);
        expect(byTag(q.requested, 0x00100010)).toEqual({ tag: 0x00100010, vr: 'PN', keyword: 'PatientName' });
        expect(byTag(q.requested, 0x00090010)).toEqual({ tag: 0x00090010, vr: 'LO', privateCreator: 'ACME' });
        // Unknown private keys: the query's VR when it states one, else UN.
        expect(byTag(q.requested, 0x00091001)?.vr).toBe(explicitVr ? 'LO' : 'UN');
        expect(byTag(q.requested, 0x00111001)?.vr).toBe(explicitVr ? 'SH' : 'UN');
        expect(byTag(q.requested, 0x00111001)?.keyword).toBeUndefined();

        const sps = byTag(q.requested, 0x00400100);
        expect(sps?.vr).toBe('SQ');
        expect(sps?.nested?.map((k) => k.keyword)).toEqual([
          'Modality',
          'ScheduledStationAETitle',
          'ScheduledProcedureStepStartDate',
          'ScheduledPerformingPhysicianName',
          'ScheduledProtocolCodeSequence',
          'ScheduledProcedureStepID',
        ]);
        // An empty sequence asks for the whole sequence.
        expect(byTag(sps?.nested ?? [], 0x00400008)).toEqual({
          tag: 0x00400008,
          vr: 'SQ',
          keyword: 'ScheduledProtocolCodeSequence',
          nested: [],
        });
      });
    }
  }

  it('decodes other single-byte sets by their own (0008,0005)', async () => {
    // ISO_IR 101 is Latin-2: byte A3 is Ł there (and £ in Latin-1).
    const dump = '(0008,0005) CS [ISO_IR 101]\n(0010,0010) PN [\u00a3ukasz]\n';
    const bytes = await dumpToDataset(dump, { explicitVr: true, encoding: 'latin1' });
    const q = parseWorklistIdentifier(bytes, tsOf(true));
    expect(q.keys.PatientName).toBe('Łukasz');
  });

  it('reads an unknown character set as Latin-1 and says so', async () => {
    const dump = '(0008,0005) CS [ISO_IR 999]\n(0010,0010) PN [M\u00fcller]\n';
    const bytes = await dumpToDataset(dump, { explicitVr: true, encoding: 'latin1' });
    const q = parseWorklistIdentifier(bytes, tsOf(true));
    expect(q).toMatchObject({ queryCharacterSet: 'ISO_IR 999', characterSetKnown: false });
    expect(q.keys.PatientName).toBe('Müller');
  });

  it('keeps every item of a sequence and requests the union of their keys', async () => {
    const dump = `(0040,0100) SQ (Sequence with undefined length #=2)
(fffe,e000) na (Item with undefined length #=1)
(0008,0060) CS [DX]
(fffe,e00d) na (ItemDelimitationItem)
(fffe,e000) na (Item with undefined length #=1)
(0040,0001) AE [US1]
(fffe,e00d) na (ItemDelimitationItem)
(fffe,e0dd) na (SequenceDelimitationItem)
`;
    const q = parseWorklistIdentifier(await dumpToDataset(dump, { explicitVr: false }), tsOf(false));
    expect(q.keys.ScheduledProcedureStepSequence).toEqual([
      { Modality: 'DX' },
      { ScheduledStationAETitle: 'US1' },
    ]);
    expect(q.requested[0]?.nested?.map((k) => k.keyword)).toEqual(['Modality', 'ScheduledStationAETitle']);
  });

  it('rejects malformed identifiers with a C-FIND failure status', () => {
    const truncated = Buffer.from([0x10, 0x00, 0x10, 0x00, 0x50, 0x4e, 0x08, 0x00, 0x41]);
    expect(() => parseWorklistIdentifier(truncated, tsOf(true))).toThrow(WorklistQueryError);
    expect(() => parseWorklistIdentifier(Buffer.alloc(0), '1.2.840.10008.1.2.2')).toThrow(/transfer syntax/);
  });
});

describe('parseWorklistQuery on dcmjs-dimse requests', () => {
  it('reads the bytes as received, which dcmjs would have rewritten to ISO_IR 192', async () => {
    const bytes = await dumpToDataset(QUERY_LATIN1, { explicitVr: true, encoding: 'latin1' });
    // How dcmjs-dimse builds a received identifier (the capture wraps this constructor path).
    const dataset = new dimse.Dataset(bytes, tsOf(true));
    expect(dataset.getElement('SpecificCharacterSet')).toBe('ISO_IR 192');
    const q = parseWorklistQuery({ getDataset: () => dataset });
    expect(q.fromWireBytes).toBe(true);
    expect(q.queryCharacterSet).toBe('ISO_IR 100');
    expect(q.keys.PatientName).toBe(NAME_LATIN1);
    expect(byTag(q.requested, 0x00111001)?.vr).toBe('SH');
  });

  it("falls back to dcmjs's re-encoding for requests built in code", () => {
    const request = dimse.requests.CFindRequest.createWorklistFindRequest({
      PatientName: 'Łuk*',
      PatientID: 'P1',
    });
    const q = parseWorklistQuery(request);
    expect(q.fromWireBytes).toBe(false);
    expect(q.keys.PatientName).toBe('Łuk*');
    expect(q.keys.PatientID).toBe('P1');
    expect(byTag(q.requested, 0x00400100)?.nested?.length).toBeGreaterThan(5);
  });

  it('refuses a request without an identifier', () => {
    expect(() => parseWorklistQuery({ getDataset: () => undefined })).toThrow(WorklistQueryError);
  });
});
