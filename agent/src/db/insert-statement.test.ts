import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAgentDatabase, type AgentDatabase } from './agent-database.js';
import { insertStatement } from './insert-statement.js';
import { storedInstances } from './schema.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-insert-statement-'));
let database: AgentDatabase;
beforeAll(async () => {
  database = await openAgentDatabase(path.join(dir, 'agent.db'));
});
afterAll(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (sopInstanceUid: string, sha256: string) => ({
  sopInstanceUid,
  sha256,
  sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
  studyInstanceUid: '2.25.10',
  seriesInstanceUid: '2.25.11',
  transferSyntaxUid: '1.2.840.10008.1.2.1',
  patientId: 'P-1',
  patientName: 'Müller^Rex',
  accessionNumber: 'A-1',
  modality: 'CT',
  studyDate: '20261203',
  seriesNumber: '2',
  instanceNumber: '7',
  numberOfFrames: '',
  relativePath: `instances/2.25.10/${sopInstanceUid}.dcm`,
  fileBytes: 525_000,
  datasetBytes: 524_800,
  callingAeTitle: 'CT1',
  conflict: 0,
  receivedAt: '2026-12-03T19:00:00.000Z',
});

describe('insertStatement with writeBatch', () => {
  it('stores every column of each row as drizzle reads it back', async () => {
    const insert = insertStatement(database.db, storedInstances);
    const rows = [row('2.25.1', 'a'.repeat(64)), { ...row('2.25.2', 'b'.repeat(64)), conflict: 1 }];
    await database.writeBatch(rows.map(insert));
    const stored = await database.db.select().from(storedInstances).orderBy(storedInstances.sopInstanceUid);
    expect(stored).toEqual(rows);
  });

  it('commits none of a batch when one of its rows is refused', async () => {
    const insert = insertStatement(database.db, storedInstances);
    const before = await database.db.select().from(storedInstances);
    // The same primary key twice: the second row fails, and the first must not stay.
    const batch = [row('2.25.3', 'c'.repeat(64)), row('2.25.3', 'c'.repeat(64))].map(insert);
    await expect(database.writeBatch(batch)).rejects.toThrow(/UNIQUE|PRIMARY/i);
    expect(await database.db.select().from(storedInstances)).toEqual(before);
  });

  it('refuses a row that lacks a column instead of storing a guess', () => {
    const insert = insertStatement(database.db, storedInstances);
    const { conflict: _dropped, ...partial } = row('2.25.4', 'd'.repeat(64));
    expect(() => insert(partial as ReturnType<typeof row>)).toThrow(/no value for conflict/);
  });
});
