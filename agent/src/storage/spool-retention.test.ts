import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAgentDatabase, type AgentDatabase } from '../db/agent-database.js';
import {
  instanceDeliveries,
  instanceForwards,
  linkState,
  spoolPurges,
  storedInstances,
} from '../db/schema.js';
import { createLogger } from '../log.js';
import { storedInstanceFixture } from '../db/test-support/stored-instance-fixture.js';
import { SpoolRetention } from './spool-retention.js';

const DAY = 86_400_000;
let dir: string;
let database: AgentDatabase;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lightbox-retention-'));
  database = await openAgentDatabase(path.join(dir, 'agent.db'));
});
afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An instance in the spool, received `ageDays` ago, queued to the plugin as outbox message `outSeq`. */
async function stored(name: string, ageDays: number, outSeq: number | null): Promise<string> {
  const relativePath = `instances/1.2.3/${name}.dcm`;
  mkdirSync(path.join(dir, 'instances', '1.2.3'), { recursive: true });
  writeFileSync(path.join(dir, relativePath), 'DICM');
  const receivedAt = new Date(Date.now() - ageDays * DAY).toISOString();
  await database.write(async (tx) => {
    await tx.insert(storedInstances).values(
      storedInstanceFixture({
        sopInstanceUid: name,
        sha256: 'a'.repeat(64),
        relativePath,
        fileBytes: 4,
        datasetBytes: 0,
        receivedAt,
      }),
    );
    if (outSeq !== null) {
      await tx.insert(instanceDeliveries).values({
        sopInstanceUid: name,
        sha256: 'a'.repeat(64),
        outSeq,
        deliveredAt: receivedAt,
      });
    }
  });
  return path.join(dir, relativePath);
}

const acknowledge = (seq: number) =>
  database.write((tx) => tx.update(linkState).set({ ackedOutSeq: seq }).where(eq(linkState.id, 1)));

const retention = (forwarding: boolean, retentionDays = 30) =>
  new SpoolRetention({
    database,
    spoolRoot: dir,
    retentionMs: retentionDays * DAY,
    forwarding,
    log: createLogger('error'),
  });

describe('spool retention', () => {
  it('removes only old files the plugin has acknowledged, and records each', async () => {
    const old = await stored('1.1', 40, 1);
    const young = await stored('1.2', 5, 2);
    const notDelivered = await stored('1.3', 40, null);
    const notAcknowledged = await stored('1.4', 40, 9);
    await acknowledge(2);
    expect(await retention(false).sweep()).toBe(1);
    expect(existsSync(old)).toBe(false);
    for (const kept of [young, notDelivered, notAcknowledged]) expect(existsSync(kept)).toBe(true);
    const purges = await database.db.select().from(spoolPurges);
    expect(purges.map((p) => p.sopInstanceUid)).toEqual(['1.1']);
    // The stored row stays: a resend of the same bytes is still a duplicate.
    expect(await database.db.select().from(storedInstances)).toHaveLength(4);
    expect(await retention(false).sweep()).toBe(0);
  });

  it('waits for the PACS when forwarding is configured', async () => {
    const file = await stored('2.1', 40, 1);
    await acknowledge(1);
    expect(await retention(true).sweep()).toBe(0);
    expect(existsSync(file)).toBe(true);
    await database.write((tx) =>
      tx.insert(instanceForwards).values({
        sopInstanceUid: '2.1',
        sha256: 'a'.repeat(64),
        outcome: 'forwarded',
        pacs: 'PACS@127.0.0.1:104',
        attempts: 1,
        at: new Date().toISOString(),
      }),
    );
    expect(await retention(true).sweep()).toBe(1);
    expect(existsSync(file)).toBe(false);
  });

  it('keeps everything when no retention period is set', async () => {
    const file = await stored('3.1', 4000, 1);
    await acknowledge(1);
    expect(await retention(false, 0).sweep()).toBe(0);
    expect(existsSync(file)).toBe(true);
  });
});
