import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOP, writeImage } from './fixtures/storage-corpus.js';
import { startStorageAgent, storedRows, storescu } from './support/storage-peers.js';
import { dumpToDicom, findscu, type DumpItem } from './support/dcmtk.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { sendMpps } from './support/mpps-sender.js';
import { worklistItems, worklistQueryDump } from './support/worklist-query.js';
import {
  createOrder,
  freshUid,
  getOrder,
  nCreateAttributes,
  scheduledStepOf,
} from './support/mpps-fixtures.js';

const worklistQuery = (accession: string, stepStatus = '') =>
  worklistQueryDump(
    { '(0008,0050) SH': accession, '(0010,0010) PN': '' },
    { '(0040,0009) SH': '', '(0040,0020) CS': stepStatus },
  );

/** What the agent promises while the plugin cannot be reached. */
describe('offline truths', () => {
  const stack = new LightboxStack({
    reconnectMaxMs: 500,
    stations: [{ aeTitle: 'DR1', modality: 'DX' }],
    pluginEnv: { LIGHTBOX_COMPLETION_WAIT_MS: '0' },
  });
  beforeAll(() => stack.startAll(), 60_000);
  afterAll(() => stack.dispose());

  async function worklistFor(accession: string, callingAe: string): Promise<DumpItem[]> {
    return worklistItems(stack.dicomPort, await dumpToDicom(worklistQuery(accession)), { callingAe });
  }

  it('an N-CREATE with the link down hides the item from a second console at once; the order follows later', async () => {
    const order = await createOrder(stack, 'offline');
    await waitUntil(
      'on the worklist',
      async () => (await worklistFor(order.accessionNumber, 'DR1')).length === 1,
    );
    await stack.plugin.stop();
    await stack.agent.waitForCode('link_closed', { timeoutMs: 15_000 });
    // The first console picks the patient and starts the exam.
    const uid = freshUid();
    const [created] = await sendMpps({ port: stack.dicomPort }, [
      { op: 'create', sopInstanceUid: uid, attributes: nCreateAttributes([scheduledStepOf(order)]) },
    ]);
    expect(created!.status).toBe(0);
    // A second console, right after, no longer sees it (no waiting: the plugin is not there to ask).
    expect(await worklistFor(order.accessionNumber, 'DR2')).toEqual([]);
    // Asked for explicitly, the step is there as STARTED.
    const started = await findscu({
      port: stack.dicomPort,
      queryFiles: [await dumpToDicom(worklistQuery(order.accessionNumber, 'STARTED'))],
      callingAe: 'DR2',
    });
    expect(started.responses).toHaveLength(1);
    await stack.agent.waitForCode('worklist_items_started', {
      where: (l) => (l.orderIds as string[]).includes(order.orderId),
    });
    // The link comes back: the step reaches the plugin and the order is in progress there.
    stack.plugin.start();
    await stack.waitPluginReady();
    await stack.waitLinked();
    await waitUntil(
      'order in progress',
      async () => (await getOrder(stack, order.orderId)).status === 'in_progress',
      20_000,
    );
    expect(await worklistFor(order.accessionNumber, 'DR2')).toEqual([]);
  });
});

describe('spool and journal at start', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-reconcile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const smallSlice = (folder: string, patientName: string) =>
    writeImage(path.join(dir, folder), {
      name: 'ct',
      sopClassUid: SOP.ct,
      modality: 'CT',
      rows: 32,
      columns: 32,
      bitsAllocated: 16,
      photometric: 'MONOCHROME2',
      patientName,
    });

  it('removes spool files the journal missed, whole or not, says so, and stores the resend', async () => {
    const image = await smallSlice('in', 'Crash^Test');
    // One agent stores it the usual way: that is the file a crash leaves behind.
    const first = await startStorageAgent(path.join(dir, 'first'));
    expect((await storescu({ port: first.port, files: [image.file] })).responses).toEqual(['Success']);
    await first.agent.stop();
    const [row] = await storedRows(path.join(dir, 'first'));
    // The second agent finds it in its spool with no journal row, as after a stop between the rename
    // and the commit (its data's fsync may not have finished either); beside it a file that is no
    // instance at all.
    const target = path.join(dir, 'second', 'spool', row!.relative_path);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(path.join(dir, 'first', 'spool', row!.relative_path), target);
    const junk = path.join(path.dirname(target), '1.2.3.4.5.dcm');
    writeFileSync(junk, 'not a DICOM file');
    const second = await startStorageAgent(path.join(dir, 'second'));
    try {
      await second.agent.waitForCode('agent_started');
      const removed = second.agent.linesWith('spool_orphan_removed').map((l) => l.path);
      expect(removed.sort()).toEqual(
        [row!.relative_path, path.relative(path.join(dir, 'second', 'spool'), junk)].sort(),
      );
      expect(existsSync(target)).toBe(false);
      expect(existsSync(junk)).toBe(false);
      expect(await storedRows(path.join(dir, 'second'))).toEqual([]);
      // The modality never heard success and sends it again: stored anew, one row, the same bytes.
      expect((await storescu({ port: second.port, files: [image.file] })).responses).toEqual(['Success']);
      expect(
        (await storedRows(path.join(dir, 'second'))).map((r) => [
          r.sop_instance_uid,
          r.sha256,
          r.patient_name,
          r.calling_ae_title,
        ]),
      ).toEqual([[image.sopInstanceUid, row!.sha256, 'Crash^Test', 'DR1']]);
      expect(existsSync(target)).toBe(true);
    } finally {
      await second.agent.stop();
    }
  });

  // What a stop can leave of an instance whose row committed: the rename lost (the folder's fsync
  // ran beside the commit), or the name kept but not every byte (the data's fsync ran beside it).
  it.each([
    { damage: 'missing', folder: 'lost', harm: (file: string) => rmSync(file), fileBytes: undefined },
    { damage: 'short', folder: 'short', harm: (file: string) => truncateSync(file, 1000), fileBytes: 1000 },
  ])('drops a row whose file is $damage, with what is left of it, and stores the resend anew', async (c) => {
    const image = await smallSlice(c.folder, 'Lost^Rename');
    const data = path.join(dir, `${c.folder}-agent`);
    const first = await startStorageAgent(data);
    expect((await storescu({ port: first.port, files: [image.file] })).responses).toEqual(['Success']);
    await first.agent.stop();
    const [row] = await storedRows(data);
    const file = path.join(data, 'spool', row!.relative_path);
    c.harm(file);
    const second = await startStorageAgent(data);
    try {
      const dropped = await second.agent.waitForCode('journal_row_dropped');
      expect(dropped.path).toBe(row!.relative_path);
      expect(dropped.fileBytes).toBe(c.fileBytes);
      expect(await storedRows(data)).toEqual([]);
      expect(existsSync(file)).toBe(false);
      // The resend is stored, not answered as a duplicate of a file that is not whole.
      expect((await storescu({ port: second.port, files: [image.file] })).responses).toEqual(['Success']);
      expect((await storedRows(data)).map((r) => [r.sop_instance_uid, r.sha256])).toEqual([
        [image.sopInstanceUid, row!.sha256],
      ]);
      expect(statSync(file).size).toBe(row!.file_bytes);
    } finally {
      await second.agent.stop();
    }
  });
});
