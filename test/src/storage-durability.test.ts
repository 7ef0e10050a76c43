import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctSliceSpec, datasetOf, writeImage, type CorpusFile } from './fixtures/storage-corpus.js';
import { waitUntil, type ManagedProcess } from './support/managed-process.js';
import {
  echoscu,
  parseStoreLog,
  partialTransfers,
  spawnStorescu,
  startStorageAgent,
  storedRows,
  storescu,
} from './support/storage-peers.js';

/**
 * "Success" means on disk and recorded, whatever happens next: the agent is killed with SIGKILL in
 * the middle of a 200-slice CT series, and everything storescu heard success for must be there
 * after the restart; the modality's resend of the whole series then completes it.
 */
describe('Storage SCP durability', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'lightbox-store-kill-'));
  const dataDir = path.join(root, 'agent');
  const slices: CorpusFile[] = [];
  let agent: ManagedProcess;
  let port: number;

  beforeAll(async () => {
    const studyInstanceUid = `2.25.${Date.now()}77`;
    const seriesInstanceUid = `${studyInstanceUid}.1`;
    for (let i = 1; i <= 200; i++) {
      slices.push(
        await writeImage(path.join(root, 'ct'), {
          ...ctSliceSpec(`ct-${String(i).padStart(3, '0')}`, 128),
          studyInstanceUid,
          seriesInstanceUid,
          sopInstanceUid: `${seriesInstanceUid}.${i}`,
          instanceNumber: i,
        }),
      );
    }
    // Debug level: the test watches each instance arrive (`instance_stored`) to stop the agent mid-series.
    ({ agent, port } = await startStorageAgent(dataDir, { env: { LIGHTBOX_LOG_LEVEL: 'debug' } }));
  });
  afterAll(async () => {
    await (agent as ManagedProcess | undefined)?.stop();
    if (!process.env.LIGHTBOX_KEEP_TEST_DATA) rmSync(root, { recursive: true, force: true });
  });

  it('answers C-ECHO during the ingest, and keeps every acknowledged instance across a SIGKILL', async () => {
    const stored = (): number => agent.linesWith('instance_stored').length;
    const sender = spawnStorescu(
      port,
      slices.map((s) => s.file),
      ['-xe'],
    );
    const exited = new Promise<void>((resolve) => sender.once('exit', () => resolve()));
    await waitUntil('20 slices stored', () => Promise.resolve(stored() >= 20), 30_000, 10);
    // Another association while the series streams in: the console's "verify" button still works.
    expect(await echoscu(port)).toBe(true);
    await waitUntil('60 slices stored', () => Promise.resolve(stored() >= 60), 30_000, 5);
    expect(sender.exitCode, 'the ingest must still be running when the agent is killed').toBeNull();
    await agent.kill('SIGKILL');
    await exited;

    const acknowledged = parseStoreLog(sender.output()).responses.filter((r) => r === 'Success').length;
    expect(acknowledged).toBeGreaterThanOrEqual(20);
    expect(acknowledged).toBeLessThan(200);

    agent.start();
    await agent.waitForCode('agent_started', { timeoutMs: 30_000, from: agent.lines.length });
    const rows = await storedRows(dataDir);
    const bySop = new Map(rows.map((r) => [r.sop_instance_uid, r]));
    // storescu sends in order: the first `acknowledged` slices are the ones it heard success for.
    for (const slice of slices.slice(0, acknowledged)) {
      const row = bySop.get(slice.sopInstanceUid);
      expect(row, `${slice.name} was acknowledged but is not recorded`).toBeDefined();
      const file = path.join(dataDir, 'spool', row!.relative_path);
      expect(existsSync(file), `${slice.name} is recorded but not on disk`).toBe(true);
      expect(datasetOf(file).equals(datasetOf(slice.file)), `${slice.name} differs`).toBe(true);
    }
    // Every recorded row has its file: the record never runs ahead of the disk.
    for (const row of rows) expect(existsSync(path.join(dataDir, 'spool', row.relative_path))).toBe(true);
    expect(partialTransfers(dataDir)).toEqual([]);

    // The modality sends the series again: the acknowledged part are duplicates, the rest is new.
    const resend = await storescu({ port, files: slices.map((s) => s.file), args: ['-xe'] });
    expect(resend.responses.filter((r) => r === 'Success')).toHaveLength(200);
    const after = await storedRows(dataDir);
    expect(new Set(after.map((r) => r.sop_instance_uid)).size).toBe(200);
    expect(after.filter((r) => r.conflict === 1)).toEqual([]);
  });
});
