import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOP, datasetOf, writeImage } from './fixtures/storage-corpus.js';
import { dcmtkEnv, echoscu, startStorageAgent, storedRows, storescu } from './support/storage-peers.js';
import type { ManagedProcess } from './support/managed-process.js';
import {
  IMPLICIT_LE,
  MPPS,
  PduType,
  RawPeer,
  VERIFICATION,
  associateRq,
  commandSet,
  element,
  pData,
  pdvValue,
  readCommand,
  rejectOf,
  releaseRq,
} from './support/raw-dicom.js';

const run = promisify(execFile);
const BIG_ENDIAN = '1.2.840.10008.1.2.2';

const startAgent = (dataDir: string, env: Record<string, string>) => startStorageAgent(dataDir, { env });

const echoContext = { id: 1, abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] };

/** What PS3.8 and PS3.7 ask of any SCP at the association level, against the agent process. */
describe('association conformance', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-conformance-'));
  let agent: ManagedProcess;
  let port = 0;
  beforeAll(async () => {
    ({ agent, port } = await startAgent(path.join(dir, 'agent'), {
      LIGHTBOX_DICOM_IDLE_TIMEOUT_MS: '2000',
      LIGHTBOX_DICOM_ARTIM_MS: '1000',
    }));
  }, 60_000);
  afterAll(async () => {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a protocol version without bit 0 permanently, and still answers C-ECHO', async () => {
    const peer = await RawPeer.connect(port);
    peer.send(associateRq({ protocolVersion: 0x0002, contexts: [echoContext] }));
    const answer = await peer.next();
    expect(answer.type).toBe(PduType.AssociateRj);
    // rejected-permanent, DICOM UL service-provider (ACSE), protocol-version-not-supported.
    expect(rejectOf(answer)).toEqual({ result: 1, source: 2, reason: 2 });
    peer.destroy();
    await agent.waitForCode('association_refused', {
      where: (l) => l.reason === 'protocol_version' && l.protocolVersion === 2,
    });
    expect(await echoscu(port)).toBe(true);
  });

  it('accepts a context offering only Explicit VR Big Endian and stores the data set as sent', async () => {
    const image = await writeImage(path.join(dir, 'in'), {
      name: 'ct-be',
      sopClassUid: SOP.ct,
      modality: 'CT',
      rows: 64,
      columns: 64,
      bitsAllocated: 16,
      bitsStored: 12,
      photometric: 'MONOCHROME2',
      patientName: 'Old^Console',
    });
    // An old console's file: DCMTK writes it big endian, and storescu -xb proposes big endian alone
    // in the context it sends it on (a second context, little endian, stays unused).
    const asSent = path.join(dir, 'ct-be.dcm');
    await run('dcmconv', ['+tb', image.file, asSent], { env: dcmtkEnv });
    const r = await storescu({ port, files: [asSent], args: ['-xb'], debug: true });
    expect(r.ok, r.log).toBe(true);
    expect(r.log).toMatch(
      /Context ID:\s+1 \(Proposed\)[\s\S]*?Proposed Transfer Syntax\(es\):\s+D:\s+=BigEndianExplicit\s+D:\s+Context ID/,
    );
    expect(r.log).toMatch(/Context ID:\s+1 \(Accepted\)[\s\S]*?Accepted Transfer Syntax: =BigEndianExplicit/);
    expect(r.log).toMatch(/Presentation Context ID\s+: 1\b/);
    expect(r.statuses).toEqual(['0000']);
    const row = (await storedRows(path.join(dir, 'agent'))).find(
      (x) => x.sop_instance_uid === image.sopInstanceUid,
    );
    expect(row?.transfer_syntax_uid).toBe(BIG_ENDIAN);
    expect(row?.patient_name).toBe('Old^Console');
    expect(row?.study_instance_uid).toBe(image.studyInstanceUid);
    const stored = path.join(dir, 'agent', 'spool', row!.relative_path);
    expect(datasetOf(stored).equals(datasetOf(asSent))).toBe(true);
    const meta = (await run('dcmdump', ['-M', '+P', '0002,0010', stored])).stdout;
    expect(meta).toMatch(/\(0002,0010\) UI =BigEndianExplicit/);
    expect(await echoscu(port)).toBe(true);
  });

  it('answers an N-SET whose data set is empty instead of leaving the console waiting', async () => {
    const peer = await RawPeer.connect(port);
    await peer.associate(
      associateRq({ contexts: [{ id: 1, abstractSyntax: MPPS, transferSyntaxes: [IMPLICIT_LE] }] }),
    );
    const command = commandSet([
      element(0x00000003, MPPS),
      element(0x00000100, 0x0120, 'US'),
      element(0x00000110, 7, 'US'),
      element(0x00000800, 0x0000, 'US'),
      element(0x00001001, '1.2.826.0.1.3680043.9.7433.99.1'),
    ]);
    peer.send(pData(1, command, { command: true }));
    peer.send(pData(1, Buffer.alloc(0), { command: false }));
    const answer = await peer.next();
    expect(answer.type).toBe(PduType.PData);
    const rsp = readCommand(pdvValue(answer).value);
    expect(rsp.get(0x00000100)?.readUInt16LE(0)).toBe(0x8120);
    expect(rsp.get(0x00000120)?.readUInt16LE(0)).toBe(7);
    // No step with that UID was ever created here: "no such object instance".
    expect(rsp.get(0x00000900)?.readUInt16LE(0)).toBe(0x0112);
    peer.send(releaseRq());
    expect((await peer.next()).type).toBe(PduType.ReleaseRp);
    peer.destroy();
    expect(await echoscu(port)).toBe(true);
  });

  it('aborts an association that stays silent past the idle time', async () => {
    const peer = await RawPeer.connect(port);
    await peer.associate(associateRq({ contexts: [echoContext] }));
    expect(await peer.echo(1)).toBe(0);
    const answer = await peer.next(6_000);
    expect(answer.type).toBe(PduType.Abort);
    const openFor = await peer.closed;
    expect(openFor).toBeGreaterThanOrEqual(1_900);
    expect(openFor).toBeLessThan(5_000);
    await agent.waitForCode('association_idle', { where: (l) => l.callingAe === 'RAW' });
    expect(await echoscu(port)).toBe(true);
  });

  it('closes a connection that never sends an association request when ARTIM expires', async () => {
    const silent = await RawPeer.connect(port);
    // One that trickles a byte at a time is not let off either: ARTIM counts from the connection.
    const trickling = await RawPeer.connect(port);
    const rq = associateRq({ contexts: [echoContext] });
    let i = 0;
    const drip = setInterval(() => {
      if (!trickling.isClosed && i < rq.length) trickling.send(rq.subarray(i, ++i));
    }, 200);
    try {
      const [silentFor, tricklingFor] = await Promise.all([silent.closed, trickling.closed]);
      expect(silentFor).toBeGreaterThanOrEqual(900);
      expect(silentFor).toBeLessThan(3_000);
      expect(tricklingFor).toBeLessThan(3_000);
    } finally {
      clearInterval(drip);
    }
    await agent.waitForCode('artim_expired');
    expect(agent.running).toBe(true);
    expect(await echoscu(port)).toBe(true);
  });
});

describe('association cap', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-cap-'));
  let agent: ManagedProcess;
  let port = 0;
  beforeAll(async () => {
    ({ agent, port } = await startAgent(path.join(dir, 'agent'), { LIGHTBOX_DICOM_MAX_ASSOCIATIONS: '2' }));
  }, 60_000);
  afterAll(async () => {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the association past the cap as "local limit exceeded" and serves those within it', async () => {
    const held = [await RawPeer.connect(port), await RawPeer.connect(port)];
    for (const peer of held) await peer.associate(associateRq({ contexts: [echoContext] }));
    const third = await RawPeer.connect(port);
    third.send(associateRq({ callingAe: 'THIRD', contexts: [echoContext] }));
    const answer = await third.next();
    expect(answer.type).toBe(PduType.AssociateRj);
    // rejected-transient, DICOM UL service-provider (presentation), local-limit-exceeded.
    expect(rejectOf(answer)).toEqual({ result: 2, source: 3, reason: 2 });
    third.destroy();
    // DCMTK's echoscu hears the same refusal and says so.
    const refused = await run('echoscu', ['-aet', 'DR1', '-aec', 'LIGHTBOX', '127.0.0.1', String(port)], {
      env: dcmtkEnv,
    }).then(
      () => '',
      (err: unknown) => {
        const e = err as { stdout?: string; stderr?: string };
        return (e.stdout ?? '') + (e.stderr ?? '');
      },
    );
    expect(refused).toMatch(/Local Limit Exceeded/i);
    await agent.waitForCode('association_refused', {
      where: (l) => l.reason === 'limit' && l.maxAssociations === 2,
    });
    // The associations within the cap are served on as before.
    for (const [i, peer] of held.entries()) expect(await peer.echo(1, i + 1)).toBe(0);
    held[0]!.send(releaseRq());
    expect((await held[0]!.next()).type).toBe(PduType.ReleaseRp);
    held[0]!.destroy();
    await held[0]!.closed;
    // Its place is given back once it is gone.
    await expect.poll(() => echoscu(port), { timeout: 5_000 }).toBe(true);
    held[1]!.destroy();
  });
});
