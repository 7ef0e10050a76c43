import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOP, writeImage, type CorpusFile } from './fixtures/storage-corpus.js';
import { dumpToDicom, findscu } from './support/dcmtk.js';
import { LightboxStack } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { storescu } from './support/storage-peers.js';

const MB = 1024 * 1024;

/**
 * The spool on a 12 MB tmpfs made for this test, the agent told to keep 6 MB free: images that
 * left the PC are removed oldest first when the disk runs low (retention enabled), a C-STORE that
 * would fill it is refused with A700 before anything is written, the worklist still answers, and
 * the practice hears of both the low disk and its recovery through the plugin's events.
 */
const stack = new LightboxStack();
const spoolDir = path.join(stack.dir, 'small-disk');
const filler = path.join(spoolDir, 'filler.bin');
const images: CorpusFile[] = [];
let mounted = false;

type Envelope = { type: string; data: Record<string, unknown> };
const events = async (): Promise<Envelope[]> =>
  ((await (await stack.api('GET', '/v1/events?limit=500')).json()) as { items: Envelope[] }).items;

const agentDb = async <T>(sql: string): Promise<T[]> => {
  const db = createClient({ url: `file:${stack.agentDbFile}` });
  try {
    return (await db.execute(sql)).rows as unknown as T[];
  } finally {
    db.close();
  }
};

const freeBytes = (): number => {
  const s = statfsSync(spoolDir);
  return s.bavail * s.bsize;
};

beforeAll(async () => {
  mkdirSync(spoolDir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', spoolDir]);
  mounted = true;
  for (let i = 1; i <= 4; i++) {
    images.push(
      await writeImage(path.join(stack.dir, 'images'), {
        name: `dx-${i}`,
        sopClassUid: SOP.dx,
        modality: 'DX',
        rows: 724,
        columns: 724,
        bitsAllocated: 16,
        photometric: 'MONOCHROME2',
      }),
    );
  }
  await stack.startPlugin();
  await stack.registerAgent();
  await stack.startAgent({
    LIGHTBOX_SPOOL_DIR: spoolDir,
    LIGHTBOX_MIN_FREE_DISK_MB: '6',
    LIGHTBOX_SPOOL_RETENTION_DAYS: '30',
  });
  await stack.waitLinked();
}, 60_000);

afterAll(async () => {
  await stack.stop();
  if (mounted) execFileSync('umount', ['-l', spoolDir]);
  await stack.dispose();
});

describe('the disk guard', () => {
  it('frees delivered originals, refuses a C-STORE with A700 before writing, keeps the worklist, and tells the plugin', async () => {
    // Three images arrive while there is room, and reach the plugin (acknowledged).
    const sent = await storescu({ port: stack.dicomPort, files: images.slice(0, 3).map((f) => f.file) });
    expect(sent.responses).toEqual(['Success', 'Success', 'Success']);
    await waitUntil(
      'the three instances acknowledged by the plugin',
      async () =>
        (
          await agentDb<{ n: number }>(
            `SELECT count(*) AS n FROM instance_deliveries
             WHERE out_seq <= (SELECT acked_out_seq FROM link_state WHERE id = 1)`,
          )
        )[0]!.n === 3,
      20_000,
    );

    // Something else fills the disk to 2 MB free: the three delivered images (about 3 MB) are not
    // enough to get back above 6.6 MB, so the guard stays low after freeing them.
    writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes() - 2 * MB)));
    await stack.agent.waitForCode('disk_space_low', { timeoutMs: 10_000 });
    const purged = await waitUntil(
      'the delivered originals removed',
      async () => {
        const rows = await agentDb<{ sop_instance_uid: string }>(
          'SELECT sop_instance_uid FROM spool_purges ORDER BY purged_at',
        );
        return rows.length === 3 ? rows : undefined;
      },
      10_000,
    );
    expect(purged.map((r) => r.sop_instance_uid)).toEqual(images.slice(0, 3).map((f) => f.sopInstanceUid));

    const refused = await storescu({ port: stack.dicomPort, files: [images[3]!.file], debug: true });
    expect(refused.statuses).toEqual(['a700']);
    expect(refused.errorComments[0]).toMatch(/^disk full: [\d.]+ MB free, 6 MB needed$/);
    const incoming = path.join(spoolDir, 'incoming');
    expect(readdirSync(incoming).filter((f) => statSync(path.join(incoming, f)).size > 0)).toEqual([]);
    const stored = await agentDb<{ sop_instance_uid: string }>(
      'SELECT sop_instance_uid FROM stored_instances',
    );
    expect(stored.map((r) => r.sop_instance_uid)).not.toContain(images[3]!.sopInstanceUid);

    // The worklist still answers.
    const query = await dumpToDicom('(0010,0010) PN []\n(0010,0020) LO []\n');
    const found = await findscu({ port: stack.dicomPort, queryFiles: [query] });
    expect(found.finalStatuses).toEqual(['0000']);

    const low = await waitUntil(
      'agent.disk_low in the feed',
      async () => (await events()).find((e) => e.type === 'agent.disk_low'),
      10_000,
    );
    expect(low.data).toMatchObject({ agentId: stack.agentId, minFreeBytes: 6 * MB });
    expect(low.data.freeBytes).toBeLessThan(6 * MB);
  });

  it('takes images again and says so once the space is back', async () => {
    rmSync(filler);
    await waitUntil(
      'agent.disk_ok in the feed',
      async () => (await events()).find((e) => e.type === 'agent.disk_ok'),
      15_000,
    );
    const again = await storescu({ port: stack.dicomPort, files: [images[3]!.file] });
    expect(again.responses).toEqual(['Success']);
    expect((await events()).filter((e) => e.type === 'agent.disk_low')).toHaveLength(1);
  });
});
