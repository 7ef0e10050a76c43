import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  datasetOf,
  datasetOffset,
  generateStorageCorpus,
  PROPOSE,
  radiographSpec,
  SOP,
  TS,
  writeImage,
  type Corpus,
  type CorpusFile,
} from './fixtures/storage-corpus.js';
import type { ManagedProcess } from './support/managed-process.js';
import {
  dcmdumpText,
  dcmtkEnv,
  echoscu,
  HoldingRelay,
  partialTransfers,
  spawnStorescu,
  startStorageAgent,
  storedRows,
  storescu,
} from './support/storage-peers.js';
import { waitUntil } from './support/managed-process.js';

const run = promisify(execFile);
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** Every file under `dir`, relative, with forward slashes. */
function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? listFiles(path.join(dir, e.name), base)
      : [path.relative(base, path.join(dir, e.name)).split(path.sep).join('/')],
  );
}

describe('Storage SCP at the agent process', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'lightbox-store-'));
  const dataDir = path.join(root, 'agent');
  const corpusDir = path.join(root, 'corpus');
  let corpus: Corpus;
  let agent: ManagedProcess;
  let port: number;

  beforeAll(async () => {
    corpus = await generateStorageCorpus(corpusDir);
    ({ agent, port } = await startStorageAgent(dataDir));
  });
  afterAll(async () => {
    await (agent as ManagedProcess | undefined)?.stop();
    if (!process.env.LIGHTBOX_KEEP_TEST_DATA) rmSync(root, { recursive: true, force: true });
  });

  const byName = (name: string): CorpusFile => {
    const f = corpus.files.find((c) => c.name === name);
    if (!f) throw new Error(`no corpus file ${name}`);
    return f;
  };

  it('stores every transfer syntax as sent, byte for byte, behind a valid file meta group', async () => {
    const syntaxes = new Set(corpus.files.map((f) => f.transferSyntaxUid));
    // The corpus covers what the notes list (JPEG 2000 when dcmjs-codecs is there).
    for (const ts of [
      TS.implicit,
      TS.explicit,
      TS.deflated,
      TS.jpegBaseline,
      TS.jpegExtended,
      TS.jpegLossless,
      TS.jpegLsLossless,
      TS.jpegLsNearLossless,
      TS.rle,
    ])
      expect(syntaxes, ts).toContain(ts);
    const from = agent.lines.length;
    for (const f of corpus.files) {
      const r = await storescu({ port, files: [f.file], args: PROPOSE[f.transferSyntaxUid] ?? [] });
      expect(r.responses, `${f.name}\n${r.log}`).toEqual(['Success']);
    }
    // At info level each association is one `association_stores` line, no line per instance.
    await waitUntil(
      'every association summed up',
      () => Promise.resolve(agent.linesWith('association_stores', from).length === corpus.files.length),
      5_000,
    );
    const summaries = agent.linesWith('association_stores', from);
    expect(summaries.every((l) => l.level === 'info' && l.stored === 1 && l.failed === 0)).toBe(true);
    expect(agent.linesWith('instance_stored', from)).toEqual([]);
    const rows = await storedRows(dataDir);
    for (const f of corpus.files) {
      const row = rows.find((r) => r.sop_instance_uid === f.sopInstanceUid);
      expect(row, f.name).toBeDefined();
      const stored = path.join(dataDir, 'spool', row!.relative_path);
      const sent = datasetOf(f.file);
      const received = datasetOf(stored);
      expect(row!.transfer_syntax_uid, f.name).toBe(f.transferSyntaxUid);
      expect(row!.sha256).toBe(sha256(received));
      expect(row!.dataset_bytes).toBe(received.length);
      if (f.transferSyntaxUid === TS.deflated) {
        // storescu re-deflates what it sends (its own zlib settings): the content must be the same.
        expect(inflateRawSync(received).equals(inflateRawSync(sent)), `${f.name}: content differs`).toBe(
          true,
        );
      } else expect(received.equals(sent), `${f.name}: data set bytes differ`).toBe(true);
      expect(row!.file_bytes).toBe(statSync(stored).size);
      expect(row!.sop_class_uid).toBe(f.sopClassUid);
      expect(row!.study_instance_uid).toBe(f.studyInstanceUid);
      expect(row!.calling_ae_title).toBe('DR1');
      expect(row!.conflict).toBe(0);
      // DCMTK reads our file meta group and the data set behind it.
      const dump = await dcmdumpText(stored);
      expect(dump).toContain(`(0002,0010) UI =`);
      expect(dump).toContain(`(0002,0003) UI [${f.sopInstanceUid}]`);
      expect(dump).toContain(`(0002,0016) AE [DR1]`);
      expect(dump).toMatch(/\(0002,0012\) UI \[2\.25\.\d+\]/);
      // DCMTK decodes the stored pixel data: the image is intact, not just the bytes we compared.
      const decoder = f.transferSyntaxUid.startsWith('1.2.840.10008.1.2.4.8') ? 'dcml2pnm' : 'dcmj2pnm';
      if (f.transferSyntaxUid !== TS.j2kLossless && f.transferSyntaxUid !== TS.j2k)
        await run(decoder, ['+Wm', stored, path.join(root, 'check.pnm')], { env: dcmtkEnv });
    }
    expect(partialTransfers(dataDir)).toEqual([]);
  });

  it('records patient names by their own character set, Latin-1 and UTF-8', async () => {
    const rows = await storedRows(dataDir);
    const latin1 = rows.find((r) => r.sop_instance_uid === byName('cr-latin1-source.latin1').sopInstanceUid);
    const utf8 = rows.find((r) => r.sop_instance_uid === byName('dx-utf8-name').sopInstanceUid);
    expect(latin1?.patient_name).toBe('Müller^Fëlix');
    expect(utf8?.patient_name).toBe('Østergård^Bjørn 小');
    expect(utf8?.patient_id).toBe('PET-1');
    expect(utf8?.accession_number).toBe('ACC0001');
    expect(utf8?.modality).toBe('DX');
  });

  it('answers a resend with the same bytes with success and stores nothing new', async () => {
    const f = byName('dx16-window');
    const before = await storedRows(dataDir);
    const from = agent.lines.length;
    const r = await storescu({ port, files: [f.file], args: ['-xe'] });
    expect(r.responses).toEqual(['Success']);
    await agent.waitForCode('instance_same_again', { timeoutMs: 5_000, from });
    expect((await storedRows(dataDir)).length).toBe(before.length);
    // At info level the association is one line, with what its C-STOREs came to.
    const summary = await agent.waitForCode('association_stores', { timeoutMs: 5_000, from });
    expect(summary).toMatchObject({ level: 'info', callingAe: 'DR1', stored: 0, duplicate: 1, failed: 0 });
  });

  it('keeps a resend with other bytes beside the first, flagged as a conflict', async () => {
    const f = byName('ct-signed');
    const changed = path.join(root, 'ct-signed-changed.dcm');
    copyFileSync(f.file, changed);
    await run('dcmodify', ['-nb', '-m', '(0010,0020)=PET-2', changed], { env: dcmtkEnv });
    const from = agent.lines.length;
    const r = await storescu({ port, files: [changed], args: ['-xe'] });
    expect(r.responses, r.log).toEqual(['Success']);
    const flagged = await agent.waitForCode('instance_changed_again', { timeoutMs: 5_000, from });
    expect(flagged.level).toBe('warn');
    const versions = (await storedRows(dataDir)).filter((row) => row.sop_instance_uid === f.sopInstanceUid);
    expect(versions.map((v) => v.conflict)).toEqual([0, 1]);
    expect(versions[1]!.patient_id).toBe('PET-2');
    expect(versions[0]!.relative_path).not.toBe(versions[1]!.relative_path);
    expect(datasetOf(path.join(dataDir, 'spool', versions[0]!.relative_path)).equals(datasetOf(f.file))).toBe(
      true,
    );
    expect(
      datasetOf(path.join(dataDir, 'spool', versions[1]!.relative_path)).equals(datasetOf(changed)),
    ).toBe(true);
  });

  it('files a data set whose header runs past its first 64 KB under its own study', async () => {
    // 1,500 referenced images put the Study Instance UID about 150 KB into the data set.
    const f = await writeImage(path.join(root, 'long-header'), {
      name: 'ct-long-header',
      sopClassUid: SOP.ct,
      modality: 'CT',
      rows: 64,
      columns: 64,
      bitsAllocated: 16,
      photometric: 'MONOCHROME2',
      accessionNumber: 'ACC-LONG',
      referencedImages: 1500,
    });
    const bytes = readFileSync(f.file);
    const studyAt = bytes.indexOf(Buffer.from(f.studyInstanceUid, 'latin1')) - datasetOffset(bytes);
    expect(studyAt).toBeGreaterThan(64 * 1024);
    const r = await storescu({ port, files: [f.file], args: ['-xe'] });
    expect(r.responses, r.log).toEqual(['Success']);
    const row = (await storedRows(dataDir)).find((x) => x.sop_instance_uid === f.sopInstanceUid);
    expect(row?.study_instance_uid).toBe(f.studyInstanceUid);
    expect(row?.accession_number).toBe('ACC-LONG');
    expect(row?.relative_path).toBe(`instances/${f.studyInstanceUid}/${f.sopInstanceUid}.dcm`);
    // storescu re-encodes sequences on the way, so the bytes are compared with DCMTK's reading.
    const stored = await dcmdumpText(path.join(dataDir, 'spool', row!.relative_path));
    expect(stored).toContain(`(0020,000d) UI [${f.studyInstanceUid}]`);
    expect(stored.match(/\(0008,1155\) UI/g)).toHaveLength(1500);
  });

  it('refuses hostile or broken UIDs with a failure status, writes nothing outside the spool, and lives', async () => {
    const base = byName('ct-signed').file;
    const craft = async (name: string, modify: string[]): Promise<string> => {
      const file = path.join(root, 'hostile', `${name}.dcm`);
      await run('mkdir', ['-p', path.dirname(file)]);
      copyFileSync(base, file);
      await run('dcmodify', ['-nb', '-gin', ...modify, file], { env: dcmtkEnv });
      return file;
    };
    const cases = [
      {
        file: await craft('sop-traversal', ['-m', '(0008,0018)=../../x']),
        comment: /Affected SOP Instance UID/,
      },
      // storescu cuts the command's UID to 64 characters, so the data set no longer matches it.
      {
        file: await craft('sop-too-long', ['-m', `(0008,0018)=1.2.${'3'.repeat(62)}`]),
        status: 'a900',
        comment: /SOP Instance UID of data set differs/,
      },
      {
        file: await craft('study-traversal', ['-m', '(0020,000d)=../../../evil']),
        comment: /Study Instance UID/,
      },
      { file: await craft('series-missing', ['-e', '(0020,000e)']), comment: /Series Instance UID/ },
    ];
    // The empty temp files the agent keeps open for coming transfers are not writes.
    const written = (): string[] =>
      listFiles(root).filter(
        (f) =>
          !f.startsWith('hostile/') &&
          !(f.startsWith('agent/spool/incoming/') && statSync(path.join(root, f)).size === 0),
      );
    const before = written();
    for (const c of cases) {
      const r = await storescu({ port, files: [c.file], args: ['-xe'], debug: true });
      expect(r.statuses, r.log).toEqual([c.status ?? 'c000']);
      expect(r.errorComments.join(' ')).toMatch(c.comment);
    }
    const after = written();
    expect(after.filter((f) => !f.startsWith('agent/agent.db'))).toEqual(
      before.filter((f) => !f.startsWith('agent/agent.db')),
    );
    expect(after.some((f) => f.includes('evil') || /(^|\/)x(\.dcm)?$/.test(f))).toBe(false);
    expect(agent.running).toBe(true);
    expect(await echoscu(port)).toBe(true);
  });

  describe('with a large object in flight', () => {
    let large: CorpusFile;
    beforeAll(async () => {
      // A 2800 x 3400 16-bit radiograph: about 19 MB, many PDUs.
      large = await writeImage(corpusDir, radiographSpec('dx-large'));
    });

    const incoming = (): string[] => partialTransfers(dataDir);

    it.each(['killed', 'aborted'] as const)(
      'removes the partial file when the sender is %s mid-transfer',
      async (how) => {
        const relay = new HoldingRelay(port, 4 * 1024 * 1024);
        await relay.start();
        const sender = spawnStorescu(relay.port, [large.file], ['-xe']);
        try {
          await waitUntil(
            'a partial file in the spool',
            () => Promise.resolve(incoming().length > 0),
            15_000,
            20,
          );
          await waitUntil(
            'the relay holding',
            () => Promise.resolve(relay.forwarded >= 4 * 1024 * 1024),
            15_000,
            20,
          );
          if (how === 'killed') sender.kill('SIGKILL');
          else relay.abortUpstream();
          await waitUntil('partial file removed', () => Promise.resolve(incoming().length === 0), 10_000, 50);
        } finally {
          sender.kill('SIGKILL');
          await relay.close();
        }
        const rows = await storedRows(dataDir);
        expect(rows.some((r) => r.sop_instance_uid === large.sopInstanceUid)).toBe(false);
        expect(agent.running).toBe(true);
        expect(await echoscu(port)).toBe(true);
      },
    );

    it('stores it with memory far below its size, and fails with A700 when the disk refuses', async () => {
      const r = await storescu({ port, files: [large.file], args: ['-xe'] });
      expect(r.responses, r.log).toEqual(['Success']);
      // With the process warmed up by one large object, a 48 MB cine loop must not cost its size.
      const cine = await writeImage(corpusDir, {
        name: 'us-cine-large',
        sopClassUid: SOP.usMultiframe,
        modality: 'US',
        rows: 480,
        columns: 640,
        frames: 52,
        bitsAllocated: 8,
        photometric: 'RGB',
      });
      const peakBefore = peakRssKb(agent.pid);
      const cineRun = await storescu({ port, files: [cine.file], args: ['-xe'] });
      expect(cineRun.responses, cineRun.log).toEqual(['Success']);
      const growthMb = (peakRssKb(agent.pid) - peakBefore) / 1024;
      const sizeMb = statSync(cine.file).size / 1024 / 1024;
      expect(
        growthMb,
        `peak RSS grew ${growthMb.toFixed(1)} MB for a ${sizeMb.toFixed(1)} MB object`,
      ).toBeLessThan(sizeMb / 2);

      // The kernel refuses files above 2 MB for this process from now on: EFBIG, as a full disk would.
      const other = await writeImage(corpusDir, {
        name: 'dx-large-2',
        sopClassUid: SOP.dx,
        modality: 'DX',
        rows: 2000,
        columns: 2000,
        bitsAllocated: 16,
        photometric: 'MONOCHROME2',
      });
      await run('prlimit', ['--pid', String(agent.pid), '--fsize=2000000:unlimited']);
      try {
        const failed = await storescu({ port, files: [other.file], args: ['-xe'], debug: true });
        expect(failed.statuses, failed.log).toEqual(['a700']);
        expect(failed.errorComments.join(' ')).toMatch(/EFBIG/);
      } finally {
        await run('prlimit', ['--pid', String(agent.pid), '--fsize=unlimited:unlimited']);
      }
      expect(incoming()).toEqual([]);
      expect((await storedRows(dataDir)).some((row) => row.sop_instance_uid === other.sopInstanceUid)).toBe(
        false,
      );
      expect(
        existsSync(
          path.join(dataDir, 'spool', 'instances', other.studyInstanceUid, `${other.sopInstanceUid}.dcm`),
        ),
      ).toBe(false);
      // And the next one is stored again.
      const again = await storescu({ port, files: [other.file], args: ['-xe'] });
      expect(again.responses).toEqual(['Success']);
    });
  });
});

/** The process's peak resident set (VmHWM), in kB. */
function peakRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
}
