import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOP, writeImage, type CorpusFile } from './fixtures/storage-corpus.js';
import {
  CommitmentCallbackPeer,
  requestCommitment,
  type CommitmentRequestOptions,
} from './support/commitment-peers.js';
import { ManagedProcess, waitUntil } from './support/managed-process.js';
import { freePort } from './support/ports.js';
import { startStorageAgent, storescu } from './support/storage-peers.js';
import { StorescpPacs } from './support/storescp-pacs.js';

/**
 * Storage Commitment as a DR console uses it, driven by dcmjs-dimse's Client: after sending its
 * images it asks the agent to take responsibility for them, and learns which it holds — on the same
 * association while that is open, or on a new one the agent opens to the console's address.
 */
const root = mkdtempSync(path.join(tmpdir(), 'lightbox-commit-'));
let n = 0;
const transaction = (): string => `2.25.${Date.now()}${process.pid}${++n}`;

async function image(name: string): Promise<CorpusFile> {
  return writeImage(path.join(root, 'images'), {
    name,
    sopClassUid: SOP.dx,
    modality: 'DX',
    rows: 64,
    columns: 64,
    bitsAllocated: 16,
    photometric: 'MONOCHROME2',
  });
}

const startAgent = (name: string, env: Record<string, string>) =>
  startStorageAgent(path.join(root, name), { env, name });

/** A Storage Commitment request from the console DR1 to the agent on `port`. */
const fromDr1 = (port: number, opts: Omit<CommitmentRequestOptions, 'port' | 'callingAe'>) =>
  requestCommitment({ port, callingAe: 'DR1', ...opts });

afterAll(() => {
  if (!process.env.LIGHTBOX_KEEP_TEST_DATA) rmSync(root, { recursive: true, force: true });
});

describe('Storage Commitment SCP', () => {
  const modality = new CommitmentCallbackPeer();
  let agent: ManagedProcess;
  let port: number;
  let stored: CorpusFile[];

  beforeAll(async () => {
    const consolePort = await freePort();
    await modality.listen(consolePort);
    ({ agent, port } = await startAgent('agent', {
      LIGHTBOX_MODALITY_PROFILES: JSON.stringify([{ aeTitle: 'DR1', host: '127.0.0.1', port: consolePort }]),
    }));
    stored = [await image('a'), await image('b')];
    const sent = await storescu({ port, files: stored.map((f) => f.file) });
    expect(sent.responses).toEqual(['Success', 'Success']);
  }, 60_000);
  afterAll(async () => {
    await agent.stop();
    await modality.close();
  });

  it('commits what is in the spool and lists an unknown instance as failed (0112), on the same association', async () => {
    const transactionUid = transaction();
    const unknown = { sopClassUid: SOP.dx, sopInstanceUid: '2.25.999999999999' };
    const r = await fromDr1(port, {
      transactionUid,
      instances: [...stored, unknown],
      lingerMs: 3_000,
    });
    expect(r.status).toBe(0);
    expect(r.reports).toHaveLength(1);
    const report = r.reports[0]!;
    expect(report).toMatchObject({ eventTypeId: 2, transactionUid, via: 'association' });
    expect(report.committed.sort()).toEqual(stored.map((f) => f.sopInstanceUid).sort());
    expect(report.failed).toEqual([{ sopInstanceUid: unknown.sopInstanceUid, reason: 0x0112 }]);
  });

  it('reports all committed (event 1) and a SOP class that contradicts the instance as failed (0119)', async () => {
    const all = await fromDr1(port, {
      transactionUid: transaction(),
      instances: stored,
      lingerMs: 3_000,
    });
    expect(all.reports[0]).toMatchObject({ eventTypeId: 1, failed: [] });
    const wrongClass = await fromDr1(port, {
      transactionUid: transaction(),
      instances: [{ sopClassUid: SOP.ct, sopInstanceUid: stored[0]!.sopInstanceUid }],
      lingerMs: 3_000,
    });
    expect(wrongClass.reports[0]!.failed).toEqual([
      { sopInstanceUid: stored[0]!.sopInstanceUid, reason: 0x0119 },
    ]);
  });

  it('calls the console back on a new association when it released its own', async () => {
    const transactionUid = transaction();
    const r = await fromDr1(port, {
      transactionUid,
      instances: stored,
      lingerMs: 0,
      // A result that still catches the association before its release is refused there, as by a
      // console that has finished with it: the agent must then call the console back.
      reportStatus: 0x0110,
    });
    expect(r.status).toBe(0);
    const report = await waitUntil(
      'the report on a new association',
      () => Promise.resolve(modality.reports.find((x) => x.transactionUid === transactionUid)),
      10_000,
    );
    expect(report).toMatchObject({ eventTypeId: 1, via: 'callback', callingAe: 'LIGHTBOX' });
    expect(report.committed.sort()).toEqual(stored.map((f) => f.sopInstanceUid).sort());
  });

  it('keeps a result the console refuses and says so in one line naming it, then delivers it', async () => {
    modality.answerStatus = 0x0110;
    const transactionUid = transaction();
    const from = agent.lines.length;
    // The result may still catch the request's association before its release, or go to the
    // console's configured address: the console refuses it either way.
    await fromDr1(port, {
      transactionUid,
      instances: stored,
      lingerMs: 0,
      reportStatus: 0x0110,
    });
    const line = await agent.waitForCode('commitment_not_accepted', {
      where: (l) => l.callingAe === 'DR1',
      timeoutMs: 10_000,
      from,
    });
    expect(line.status).toBe('0110');
    modality.answerStatus = 0;
    await agent.waitForCode('commitment_reported', {
      where: (l) => l.transactionUid === transactionUid,
      timeoutMs: 15_000,
      from,
    });
    expect(agent.running).toBe(true);
  });

  it('refuses a malformed N-ACTION with a status and an Error Comment, and carries on', async () => {
    const noTransaction = await fromDr1(port, {
      elements: {
        ReferencedSOPSequence: [{ ReferencedSOPClassUID: SOP.dx, ReferencedSOPInstanceUID: '1.2.3' }],
      },
      lingerMs: 0,
    });
    expect(noTransaction.status).toBe(0x0120);
    expect(noTransaction.errorComment).toBe('Transaction UID missing');
    const badItem = await fromDr1(port, {
      elements: {
        TransactionUID: transaction(),
        ReferencedSOPSequence: [{ ReferencedSOPInstanceUID: 'x/../y' }],
      },
      lingerMs: 0,
    });
    expect(badItem.status).toBe(0x0106);
    expect(badItem.errorComment).toMatch(/item 1: missing or invalid UID/);
    expect(agent.running).toBe(true);
  });
});

describe('Storage Commitment after forwarding', () => {
  const pacs = new StorescpPacs(path.join(root, 'pacs'));
  let agent: ManagedProcess;
  let port: number;

  beforeAll(async () => {
    const pacsPort = await pacs.reservePort();
    ({ agent, port } = await startAgent('forwarding-agent', {
      LIGHTBOX_FORWARD_PACS: `PACS@127.0.0.1:${pacsPort}`,
      LIGHTBOX_FORWARD_BACKOFF_MIN_MS: '200',
      LIGHTBOX_FORWARD_BACKOFF_MAX_MS: '500',
      LIGHTBOX_COMMIT_AFTER_FORWARD: 'true',
    }));
  }, 60_000);
  afterAll(async () => {
    await agent.stop();
    await pacs.stop();
  });

  it('commits an instance only once the PACS has it', async () => {
    const files = [await image('f1')];
    expect((await storescu({ port, files: files.map((f) => f.file) })).responses).toEqual(['Success']);
    // The PACS is down: the answer to the request cannot be "committed" yet.
    const transactionUid = transaction();
    const early = await fromDr1(port, {
      transactionUid,
      instances: files,
      lingerMs: 1_500,
    });
    expect(early.status).toBe(0);
    expect(early.reports).toEqual([]);
    await pacs.start();
    // The console is still there to hear it: it asks again, with the same transaction.
    const later = await waitUntil(
      'committed once forwarded',
      async () => {
        const r = await fromDr1(port, {
          transactionUid,
          instances: files,
          lingerMs: 2_000,
        });
        return r.reports[0];
      },
      20_000,
      0,
    );
    expect(later).toMatchObject({ eventTypeId: 1, committed: [files[0]!.sopInstanceUid], failed: [] });
    expect(pacs.files()).toHaveLength(1);
  });
});
