import { beforeEach, describe, expect, it } from 'vitest';
import { type PerformedStepMessage } from '@lightbox/protocol';
import { createLogger } from '@lightbox/runtime';
import type { AgentDatabase } from '../db/agent-database.js';
import { journalPerTest } from '../db/test-support/journal-per-test.js';
import { mppsOperations, mppsSteps, outbox } from '../db/schema.js';
import { MppsService, type MppsRequest } from './mpps-service.js';
import { createElements } from './test-support/mpps-fixtures.js';

const journal = journalPerTest('mpps');

let wakes: number;
const logged: string[] = [];
const log = createLogger('debug', (line) => logged.push(line));

beforeEach(() => {
  wakes = 0;
  logged.length = 0;
});

const service = (db: AgentDatabase = journal.database) =>
  new MppsService({
    database: db,
    wake: () => {
      wakes++;
    },
    log,
  });

/** A request from the DR1 console; an N-CREATE's data set unless `elements` is given. */
const fromDr1 = (sopInstanceUid: string, elements: unknown = createElements()): MppsRequest => ({
  sopInstanceUid,
  callingAeTitle: 'DR1',
  elements,
});

async function outboxBodies(): Promise<PerformedStepMessage[]> {
  const rows = await journal.database.db.select().from(outbox);
  return rows.map((r) => JSON.parse(r.bodyJson) as PerformedStepMessage);
}

describe('the MPPS journal', () => {
  it('commits the step and its message together, then wakes the link', async () => {
    const answer = await service().create(fromDr1('2.25.1'));
    expect(answer).toEqual({ status: 0, sopInstanceUid: '2.25.1' });
    const [message] = await outboxBodies();
    expect(message).toMatchObject({
      kind: 'mpps.changed',
      sopInstanceUid: '2.25.1',
      event: 'created',
      status: 'IN PROGRESS',
      callingAeTitle: 'DR1',
      modality: 'DX',
    });
    expect(await journal.database.db.select().from(mppsSteps)).toHaveLength(1);
    expect(wakes).toBe(1);
  });

  it('mints a UID when the N-CREATE leaves it to us, and answers with it', async () => {
    const answer = await service().create(fromDr1(''));
    expect(answer.status).toBe(0);
    expect(answer.sopInstanceUid).toMatch(/^2\.25\.\d+$/);
    expect(answer.sopInstanceUid.length).toBeLessThanOrEqual(64);
    const [row] = await journal.database.db.select().from(mppsSteps);
    expect(row?.sopInstanceUid).toBe(answer.sopInstanceUid);
  });

  it('refuses a request UID that is not a UID (0117) and stores nothing', async () => {
    const answer = await service().create(fromDr1('1.2.x'));
    expect(answer).toMatchObject({ status: 0x0117, comment: 'the SOP Instance UID is not a UID' });
    expect(await journal.database.db.select().from(mppsSteps)).toHaveLength(0);
  });

  it('answers 0110 and stores nothing when the commit fails', async () => {
    const failing: AgentDatabase = {
      ...journal.database,
      // The work runs inside a real transaction, which then fails as a full disk would.
      write: (work) =>
        journal.database.write(async (tx) => {
          await work(tx);
          throw new Error('SQLITE_FULL: database or disk is full');
        }),
    };
    const answer = await service(failing).create(fromDr1('2.25.2'));
    expect(answer).toEqual({
      status: 0x0110,
      comment: 'could not record the step; nothing was stored',
      sopInstanceUid: '2.25.2',
    });
    expect(await journal.database.db.select().from(mppsSteps)).toHaveLength(0);
    expect(await journal.database.db.select().from(mppsOperations)).toHaveLength(0);
    expect(await outboxBodies()).toHaveLength(0);
    expect(wakes).toBe(0);
    expect(logged.some((l) => l.includes('SQLITE_FULL'))).toBe(true);
  });

  it('refuses a step beyond what the link carries (0213) and stores nothing', async () => {
    const steps = Array.from({ length: 65 }, (_, i) => ({ StudyInstanceUID: `2.25.7.${i}` }));
    const answer = await service().create(
      fromDr1('2.25.5', createElements({ ScheduledStepAttributesSequence: steps })),
    );
    expect(answer).toMatchObject({ status: 0x0213 });
    expect(await journal.database.db.select().from(mppsSteps)).toHaveLength(0);
    expect(await outboxBodies()).toHaveLength(0);
  });

  it('journals a repeat that changes nothing without a message', async () => {
    const s = service();
    await s.create(fromDr1('2.25.3'));
    for (let i = 0; i < 3; i++) {
      const a = await s.set(fromDr1('2.25.3', { PerformedProcedureStepStatus: 'IN PROGRESS' }));
      expect(a.status).toBe(0);
    }
    expect(await outboxBodies()).toHaveLength(1);
    const ops = await journal.database.db.select().from(mppsOperations);
    expect(ops.map((o) => [o.operation, o.outSeq === null])).toEqual([
      ['N-CREATE', false],
      ['N-SET', true],
      ['N-SET', true],
      ['N-SET', true],
    ]);
  });

  it('keeps the journal across a reopen: an N-SET after a restart finds its step', async () => {
    await service().create(fromDr1('2.25.4'));
    await journal.reopen();
    const a = await service().set(fromDr1('2.25.4', { PerformedProcedureStepStatus: 'COMPLETED' }));
    expect(a.status).toBe(0);
    expect((await outboxBodies()).map((m) => [m.event, m.status])).toEqual([
      ['created', 'IN PROGRESS'],
      ['updated', 'COMPLETED'],
    ]);
  });
});
