import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { asc } from 'drizzle-orm';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { agentToPluginMessage, MAX_FRAME_BYTES, type AgentToPluginMessage } from '@lightbox/protocol';
import { journalPerTest } from '../db/test-support/journal-per-test.js';
import { storedInstanceFixture } from '../db/test-support/stored-instance-fixture.js';
import { instanceDeliveries, outbox, storedInstances } from '../db/schema.js';
import { createLogger } from '../log.js';
import { RenderPool } from '../rendering/render-pool.js';
import { writeSyntheticImage, type SyntheticImage } from '../rendering/test-support/synthetic-images.js';
import { InstanceDelivery } from './instance-delivery.js';

/**
 * A multi-frame object goes to the outbox as its `instance.stored` followed by the
 * `instance.frames` that carry its frame previews, in one commit with its delivery record: once,
 * however often delivery runs again after a restart.
 */
const log = createLogger('error');
const pool = new RenderPool({ size: 1, vipsThreads: 1, jobTimeoutMs: 60_000, log });
afterAll(() => pool.close());

const journal = journalPerTest('delivery');
beforeEach(() => {
  mkdirSync(path.join(journal.dir, 'spool'));
});

async function store(name: string, image: SyntheticImage): Promise<void> {
  await writeSyntheticImage(path.join(journal.dir, 'spool'), name, image);
  await journal.database.write((tx) =>
    tx.insert(storedInstances).values(
      storedInstanceFixture({
        sopInstanceUid: `1.2.3.${name.length}`,
        sha256: name.length.toString(16).padStart(64, '0'),
        sopClassUid: '1.2.840.10008.5.1.4.1.1.3.1',
        seriesInstanceUid: '1.2.3.4',
        modality: 'US',
        numberOfFrames: String(image.frames ?? 1),
        relativePath: `${name}.dcm`,
        callingAeTitle: 'US1',
        receivedAt: new Date().toISOString(),
      }),
    ),
  );
}

async function deliverAll(expected: number): Promise<void> {
  const delivery = new InstanceDelivery({
    database: journal.database,
    spoolRoot: path.join(journal.dir, 'spool'),
    pool,
    concurrency: 1,
    log,
    notifyOutbox: () => undefined,
  });
  delivery.start();
  const deadline = Date.now() + 30_000;
  while ((await journal.database.db.select().from(instanceDeliveries)).length < expected) {
    if (Date.now() > deadline) throw new Error('instances were not delivered within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  delivery.kick();
  await delivery.stop();
}

async function outboxBodies(): Promise<{ seq: number; body: AgentToPluginMessage; bytes: number }[]> {
  const rows = await journal.database.db.select().from(outbox).orderBy(asc(outbox.seq));
  return rows.map((r) => ({
    seq: r.seq,
    body: agentToPluginMessage.parse(JSON.parse(r.bodyJson)),
    bytes: Buffer.byteLength(`{"type":"msg","seq":${r.seq},"body":${r.bodyJson}}`),
  }));
}

describe('a cine loop in the outbox', () => {
  it('is its instance.stored, then its frame previews in order, recorded once across a restart', async () => {
    // 40 frames of 480 × 640 noise: their previews need more than one message.
    let seed = 7;
    await store('loop', {
      rows: 480,
      columns: 640,
      frames: 40,
      bitsAllocated: 8,
      photometric: 'MONOCHROME2',
      pixel: () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256,
    });
    await deliverAll(1);
    const first = await outboxBodies();
    const [stored, ...frames] = first;
    expect(stored!.body.kind).toBe('instance.stored');
    const announced = stored!.body.kind === 'instance.stored' ? stored!.body.media.framePreviews!.frames : [];
    expect(announced).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.every((f) => f.body.kind === 'instance.frames')).toBe(true);
    const carried = frames.flatMap((f) => (f.body.kind === 'instance.frames' ? f.body.frames : []));
    expect(carried.map((f) => [f.index, f.frame])).toEqual(announced.map((frame, i) => [i, frame]));
    // One commit: consecutive numbers, the delivery record pointing at the instance.stored.
    expect(first.map((m) => m.seq)).toEqual(first.map((_, i) => stored!.seq + i));
    const [record] = await journal.database.db.select().from(instanceDeliveries);
    expect(record!.outSeq).toBe(stored!.seq);
    for (const m of first) expect(m.bytes).toBeLessThan(MAX_FRAME_BYTES);

    // The agent restarts: its database reopened, delivery runs again and finds nothing to do.
    await journal.reopen();
    await deliverAll(1);
    expect((await outboxBodies()).map((m) => m.seq)).toEqual(first.map((m) => m.seq));
  });
});
