import { readFile } from 'node:fs/promises';
import dimse from 'dcmjs-dimse';
import { afterEach, describe, expect, it } from 'vitest';
import type { WlItem } from '../worklist/worklist-attributes.js';
import {
  dcmdumpFile,
  dumpToQueryFile,
  removeDir,
  runFindscu,
  tempDir,
} from '../worklist/encoding/test-support/dcmtk-tools.js';
import { QUERY_LATIN1, QUERY_UTF8 } from '../worklist/encoding/test-support/query-fixtures.js';
import { startTestWorklistScp, type TestScp } from '../worklist/encoding/test-support/test-worklist-scp.js';

const { TransferSyntax } = dimse.constants;

const items: WlItem[] = ['Müller^Ñandú Łukasz', 'Nowak^Łucja', 'Smith^Rex'].map((name, i) => ({
  PatientName: name,
  PatientID: `P${i + 1}`,
  AccessionNumber: `ACC${i + 1}`,
  StudyInstanceUID: `1.2.826.0.1.3680043.8.498.${i + 1}`,
  ScheduledProcedureStepSequence: [
    {
      Modality: 'DX',
      ScheduledStationAETitle: 'DX1',
      ScheduledProcedureStepStartDate: '20240601',
      ScheduledProcedureStepID: `SPS${i + 1}`,
    },
  ],
}));

/** A value of a dcmdump line such as `(0010,0010) PN [Rex]`. */
function valueOf(dump: string, tag: string): string | undefined {
  const line = dump.split('\n').find((l) => l.trimStart().startsWith(`(${tag})`));
  return line ? (/\[(.*)\]/.exec(line)?.[1] ?? '') : undefined;
}

let scp: TestScp | undefined;
let dir: string | undefined;
afterEach(async () => {
  await scp?.close();
  scp = undefined;
  if (dir) await removeDir(dir);
  dir = undefined;
});

describe('streaming pre-encoded C-FIND responses to DCMTK findscu', () => {
  it('answers a UTF-8 query in ISO_IR 192 over explicit VR', async () => {
    scp = await startTestWorklistScp({ items, characterSet: 'ISO_IR 192' });
    dir = await tempDir('find');
    const query = await dumpToQueryFile(QUERY_UTF8, dir);
    const result = await runFindscu({ port: scp.port, queryFile: query, dir });

    expect(result.exitCode).toBe(0);
    expect(result.log).toContain('Received Final Find Response (Success)');
    expect(result.files).toHaveLength(3);
    expect(scp.outcomes).toEqual([{ result: 'success', sent: 3 }]);
    expect(scp.queries[0]).toMatchObject({ queryCharacterSet: 'ISO_IR 192', fromWireBytes: true });

    const dumps = await Promise.all(result.files.map((f) => dcmdumpFile(f, { utf8: true })));
    expect(dumps.map((d) => valueOf(d, '0010,0010'))).toEqual([
      'Müller^Ñandú Łukasz',
      'Nowak^Łucja',
      'Smith^Rex',
    ]);
    const first = dumps[0]!;
    expect(first).toContain('(0002,0010) UI =LittleEndianExplicit');
    expect(valueOf(first, '0008,0005')).toBe('ISO_IR 192');
    expect(valueOf(first, '0008,0050')).toBe('ACC1');
    expect(valueOf(first, '0040,0009')).toBe('SPS1');
    expect(valueOf(first, '0009,0010')).toBe('ACME');
    expect(first).toMatch(/\(0011,1001\) SH \(no value available\)/);
    expect(first).toMatch(/\(0040,1001\) SH \(no value available\)/);
  });

  it('answers in real Latin-1 over implicit VR when the profile says ISO_IR 100', async () => {
    scp = await startTestWorklistScp({ items, characterSet: 'ISO_IR 100' });
    dir = await tempDir('find');
    const query = await dumpToQueryFile(QUERY_LATIN1, dir, 'latin1');
    const result = await runFindscu({ port: scp.port, queryFile: query, dir, extraArgs: ['-xi'] });

    expect(result.log).toContain('Received Final Find Response (Success)');
    expect(result.files).toHaveLength(3);
    // The query was read as sent: in Latin-1, with its ü and ñ.
    expect(scp.queries[0]).toMatchObject({ queryCharacterSet: 'ISO_IR 100', fromWireBytes: true });
    expect(scp.queries[0]?.keys.PatientName).toBe('Müller^Ñandú');

    const bytes = await readFile(result.files[0]!);
    expect(bytes.includes(Buffer.from('M\u00fcller^\u00d1and\u00fa Lukasz', 'latin1'))).toBe(true);
    const raw = await dcmdumpFile(result.files[0]!);
    expect(raw).toContain('(0002,0010) UI =LittleEndianImplicit');
    expect(valueOf(raw, '0008,0005')).toBe('ISO_IR 100');
    expect(valueOf(raw, '0010,0010')).toBe('Müller^Ñandú Lukasz');
    const converted = await dcmdumpFile(result.files[1]!, { utf8: true });
    expect(valueOf(converted, '0010,0010')).toBe('Nowak^Lucja');
  });

  it('stops on a C-CANCEL and answers Cancel (FE00)', async () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ ...items[2], PatientID: `P${i}` }));
    scp = await startTestWorklistScp({ items: many, characterSet: 'ISO_IR 192', delayEveryPending: 5 });
    dir = await tempDir('find');
    const query = await dumpToQueryFile(QUERY_UTF8, dir);
    const result = await runFindscu({
      port: scp.port,
      queryFile: query,
      dir,
      extract: false,
      extraArgs: ['--cancel', '3'],
    });

    expect(result.log).toMatch(
      /Received Final Find Response \(Cancel: MatchingTerminatedDueToCancelRequest\)/,
    );
    expect(scp.outcomes[0]?.result).toBe('cancelled');
    // Paced at 5 ms a pending, the cancel normally lands within a few dozen; a loaded machine may
    // take longer to send it, so only "before the end" is asserted.
    expect(scp.outcomes[0]?.sent).toBeGreaterThanOrEqual(3);
    expect(scp.outcomes[0]?.sent).toBeLessThan(many.length);
  });

  it('ends with C000 and an Error Comment when the source fails mid-stream', async () => {
    scp = await startTestWorklistScp({ items, characterSet: 'ISO_IR 192', failAfter: 2 });
    dir = await tempDir('find');
    const query = await dumpToQueryFile(QUERY_UTF8, dir);
    const result = await runFindscu({ port: scp.port, queryFile: query, dir, extraArgs: ['-d'] });

    expect(result.files).toHaveLength(2);
    expect(result.log).toMatch(/DIMSE Status\s+: 0xc000: Failed: Unable to process/);
    expect(result.log).toMatch(/\(0000,0902\) LO \[worklist copy unavailable ?\]/);
    expect(scp.outcomes[0]).toMatchObject({ result: 'failed', sent: 2 });
  });

  it('states the accepted transfer syntax, so dcmjs-dimse never transcodes', async () => {
    scp = await startTestWorklistScp({
      items: items.slice(0, 1),
      characterSet: 'ISO_IR 192',
      transferSyntaxes: [TransferSyntax.ImplicitVRLittleEndian],
    });
    dir = await tempDir('find');
    const query = await dumpToQueryFile(QUERY_UTF8, dir);
    const result = await runFindscu({ port: scp.port, queryFile: query, dir });
    expect(result.files).toHaveLength(1);
    expect(await dcmdumpFile(result.files[0]!, { utf8: true })).toContain(
      '(0010,0010) PN [Müller^Ñandú Łukasz]',
    );
  });
});
