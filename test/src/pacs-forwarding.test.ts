import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressWithDcmtk, writeSyntheticImage } from '@lightbox/agent/test-support';
import { dcmdump, dumpToDicom, dumpValue } from './support/dcmtk.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { dcmtkEnv, storescu } from './support/storage-peers.js';
import { StorescpPacs } from './support/storescp-pacs.js';

/**
 * The agent forwards what modalities send to the practice's PACS — here DCMTK's storescp — and
 * loses nothing when the PACS goes away for a while or the agent itself is killed.
 */
const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-forward-'));
const imagesDir = path.join(dir, 'images');
mkdirSync(imagesDir);
/**
 * The Pixel Data as DCMTK prints it in full (`+L`): every value of native pixel data, every byte of
 * each fragment of encapsulated pixel data — for a byte-for-byte comparison.
 */
async function pixelDataText(file: string): Promise<string> {
  const { stdout } = await run('dcmdump', ['-q', '+L', file], { env: dcmtkEnv, maxBuffer: 16 * 1024 * 1024 });
  const at = stdout.indexOf('(7fe0,0010)');
  if (at < 0) throw new Error(`no Pixel Data in ${file}: ${stdout.slice(0, 200)}`);
  return stdout.slice(at).trim();
}

let imageCount = 0;
const studyUid = `2.25.${BigInt(Date.now()) * 1000n + 7n}`;
async function images(n: number): Promise<{ files: string[]; uids: string[] }> {
  const files: string[] = [];
  const uids: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = ++imageCount;
    const sopInstanceUid = `${studyUid}.1.${k}`;
    uids.push(sopInstanceUid);
    files.push(
      await writeSyntheticImage(imagesDir, `img-${k}`, {
        rows: 48,
        columns: 64,
        bitsAllocated: 16,
        photometric: 'MONOCHROME2',
        modality: 'DX',
        sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
        pixel: (x, y) => (x * 37 + y * 11 + k * 101) % 4096,
        identity: { studyInstanceUid: studyUid, sopInstanceUid, patientId: 'P-FWD', patientName: 'Fwd^Rex' },
      }),
    );
  }
  return { files, uids };
}

async function send(stack: LightboxStack, files: string[], args: string[] = []): Promise<void> {
  const r = await storescu({ port: stack.dicomPort, files, args });
  expect(r.ok, r.log).toBe(true);
  expect(r.responses).toEqual(files.map(() => 'Success'));
}

/** What the agent recorded about forwarding, read from its libsql file as a support engineer would. */
interface ForwardRow {
  sop: string;
  outcome: string;
  status: string | null;
  attempts: number;
}
async function forwardRows(stack: LightboxStack): Promise<ForwardRow[]> {
  const client = createClient({ url: `file:${stack.agentDbFile}` });
  try {
    const rs = await client.execute(
      'SELECT sop_instance_uid AS sop, outcome, status, attempts FROM instance_forwards ORDER BY sop_instance_uid',
    );
    return rs.rows.map((r) => ({ ...r }) as unknown as ForwardRow);
  } finally {
    client.close();
  }
}

const forwardEnv = (pacs: StorescpPacs, extra: Record<string, string> = {}) => ({
  LIGHTBOX_FORWARD_PACS: `PACS@127.0.0.1:${pacs.port}`,
  LIGHTBOX_FORWARD_CALLING_AE_TITLE: 'LBXFWD',
  LIGHTBOX_FORWARD_BACKOFF_MIN_MS: '200',
  LIGHTBOX_FORWARD_BACKOFF_MAX_MS: '1000',
  ...extra,
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A PACS in `folder` and an agent alone (forwarding needs no plugin) forwarding to it, for one describe. */
function agentForwardingTo(folder: string, extra: Record<string, string> = {}) {
  const pacs = new StorescpPacs(path.join(dir, folder));
  const stack = new LightboxStack();
  beforeAll(async () => {
    await pacs.start();
    await stack.startAgent(forwardEnv(pacs, extra));
    await stack.agent.waitForCode('agent_started', { timeoutMs: 30_000 });
  }, 60_000);
  afterAll(async () => {
    await pacs.stop();
    await stack.dispose();
  });
  return { pacs, stack };
}

describe('forwarding to a PACS', () => {
  const pacs = new StorescpPacs(path.join(dir, 'pacs'));
  let stack: LightboxStack;
  const sent: string[] = [];

  beforeAll(async () => {
    await pacs.reservePort();
    stack = new LightboxStack({ agentEnv: forwardEnv(pacs) });
    await Promise.all([stack.startAll(), pacs.start()]);
  }, 60_000);

  afterAll(async () => {
    await pacs.stop();
    await stack.dispose();
  });

  it('delivers every instance, with its pixel data unchanged', async () => {
    const batch = await images(5);
    sent.push(...batch.uids);
    await send(stack, batch.files);
    await pacs.waitForFiles(5);
    expect(await pacs.sopUids()).toEqual([...sent].sort());
    const atPacs = pacs.fileOf(batch.uids[2]!);
    const forwardedPixels = await pixelDataText(atPacs);
    // 48 × 64 16-bit values, every one of them printed.
    expect(/^\(7fe0,0010\) OW (\S+)/.exec(forwardedPixels)![1]!.split('\\')).toHaveLength(48 * 64);
    expect(forwardedPixels).toBe(await pixelDataText(batch.files[2]!));
    expect((await dcmdump(atPacs)).PatientName).toBe('Fwd^Rex');
  });

  it('forwards a compressed instance in its own transfer syntax', async () => {
    const [plain] = (await images(1)).files;
    const compressed = await compressWithDcmtk(plain!, 'jpegLsLossless');
    const sop = await dumpValue(compressed, '0008,0018');
    sent.push(sop);
    // -xt: the modality offers JPEG-LS lossless, which the agent prefers and keeps as received.
    await send(stack, [compressed], ['-xt']);
    await pacs.waitForFiles(6);
    expect(await pacs.sopUids()).toEqual([...sent].sort());
    const atPacs = pacs.fileOf(sop);
    expect(await dumpValue(atPacs, '0002,0010')).toBe('1.2.840.10008.1.2.4.80');
    expect(await pixelDataText(atPacs)).toBe(await pixelDataText(compressed));
  });

  /** Stops the PACS, has the modality send `n` images, and waits until the agent finds the PACS gone. */
  async function sendWhilePacsDown(n: number): Promise<void> {
    await pacs.stop();
    const from = stack.agent.lines.length;
    const batch = await images(n);
    sent.push(...batch.uids);
    // The modality hears success: storage does not wait for the PACS.
    await send(stack, batch.files);
    await stack.agent.waitForCode('pacs_unavailable', { timeoutMs: 10_000, from });
  }

  it('keeps storing while the PACS is down and delivers everything when it is back', async () => {
    await sendWhilePacsDown(4);
    await pacs.start();
    await pacs.waitForFiles(10);
    expect(await pacs.sopUids()).toEqual([...sent].sort());
  });

  it('resumes pending forwards after the agent is killed', async () => {
    await sendWhilePacsDown(3);
    await stack.agent.kill('SIGKILL');
    await pacs.start();
    // Nothing arrives while the agent is down: what follows is the restarted agent's doing.
    expect(pacs.files()).toHaveLength(10);
    stack.agent.start();
    await pacs.waitForFiles(13);
    expect(await pacs.sopUids()).toEqual([...sent].sort());
    await waitUntil('forwards recorded', async () => (await forwardRows(stack)).length === 13, 10_000);
    const rows = await forwardRows(stack);
    expect(rows.map((r) => r.sop)).toEqual([...sent].sort());
    expect(rows.every((r) => r.outcome === 'forwarded' && r.status === '0000')).toBe(true);
  });
});

describe('forwarding what the PACS must read right', () => {
  const { pacs, stack } = agentForwardingTo('charset-pacs');

  it('keeps a Latin-1 name readable at the PACS', async () => {
    const sop = `${studyUid}.9.1`;
    // An older console's object: ISO_IR 100, the name in real Latin-1 bytes.
    const file = await dumpToDicom(
      [
        '(0008,0005) CS [ISO_IR 100]',
        '(0008,0016) UI [1.2.840.10008.5.1.4.1.1.7]',
        `(0008,0018) UI [${sop}]`,
        '(0008,0060) CS [OT]',
        '(0010,0010) PN [Müller^Bärli]',
        '(0010,0020) LO [P-LATIN1]',
        `(0020,000d) UI [${studyUid}]`,
        `(0020,000e) UI [${studyUid}.9]`,
      ].join('\n'),
      'latin1',
    );
    expect((await dcmdump(file)).PatientName).toBe('Müller^Bärli');
    await send(stack, [file]);
    await pacs.waitForFiles(1);
    const atPacs = await dcmdump(path.join(pacs.dir, pacs.files()[0]!));
    expect(atPacs.SOPInstanceUID).toBe(sop);
    expect(atPacs.PatientName).toBe('Müller^Bärli');
    // Re-encoded in UTF-8 and labelled so: the same name, not Latin-1 bytes read as something else.
    expect(atPacs.SpecificCharacterSet).toBe('ISO_IR 192');
  });
});

describe('forwarding to a PACS that refuses instances', () => {
  // storescp answers A700 (out of resources) when it cannot write: its output folder replaced by a file.
  const { pacs, stack } = agentForwardingTo('refusing-pacs', { LIGHTBOX_FORWARD_GIVE_UP_AFTER_MS: '4000' });

  const breakPacsDisk = (): void => {
    rmSync(pacs.dir, { recursive: true, force: true });
    writeFileSync(pacs.dir, 'not a folder');
  };
  const repairPacsDisk = (): void => {
    rmSync(pacs.dir, { force: true });
    mkdirSync(pacs.dir);
  };

  it('retries a refused instance, gives up after the configured age, and delivers once the PACS recovers', async () => {
    breakPacsDisk();
    const doomed = await images(1);
    await send(stack, doomed.files);
    await stack.agent.waitForCode('pacs_refused', { where: (l) => l.status === 'A700', timeoutMs: 10_000 });
    const gaveUp = await stack.agent.waitForCode('pacs_gave_up', { timeoutMs: 10_000 });
    expect(gaveUp).toMatchObject({ sopInstanceUid: doomed.uids[0], status: 'A700' });
    const [record] = await forwardRows(stack);
    expect(record).toMatchObject({ sop: doomed.uids[0], outcome: 'gave_up', status: 'A700' });
    expect(record!.attempts).toBeGreaterThan(1);

    const from = stack.agent.lines.length;
    const saved = await images(1);
    await send(stack, saved.files);
    await stack.agent.waitForCode('pacs_refused', {
      where: (l) => l.sopInstanceUid === saved.uids[0],
      timeoutMs: 10_000,
      from,
    });
    repairPacsDisk();
    await pacs.waitForFiles(1);
    // The given-up instance is not sent again; the refused one arrived once the PACS could store.
    await waitUntil('forward recorded', async () => (await forwardRows(stack)).length === 2, 10_000);
    expect(await pacs.sopUids()).toEqual(saved.uids);
    expect((await forwardRows(stack)).find((r) => r.sop === saved.uids[0])).toMatchObject({
      outcome: 'forwarded',
      status: '0000',
    });
  });
});
