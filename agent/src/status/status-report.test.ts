import { describe, expect, it } from 'vitest';
import { journalPerTest } from '../db/test-support/journal-per-test.js';
import { outbox } from '../db/schema.js';
import { WorklistQueryLog } from '../worklist/worklist-query-log.js';
import { StatusReporter } from './status-report.js';

const journal = journalPerTest('status');

describe('the status report heartbeats carry', () => {
  it('reads the queues from the journal, and is given at most once per period', async () => {
    await journal.database.write((tx) =>
      tx.insert(outbox).values([
        { seq: 1, bodyJson: '{}' },
        { seq: 2, bodyJson: '{}' },
      ]),
    );
    const queries = new WorklistQueryLog();
    queries.record({ callingAe: 'DR1', matched: 1, sent: 1, outcome: 'success' });
    const disk = { freeBytes: Number.POSITIVE_INFINITY, minFreeBytes: 1024 };
    const reporter = new StatusReporter({
      database: journal.database,
      disk,
      queries,
      echoTargets: () => [],
      forwarding: () => false,
      everyMs: 5_000,
    });
    // Nothing read yet: the first heartbeat carries none rather than waiting for the journal.
    expect(reporter.forHeartbeat(0)).toBeUndefined();
    await reporter.refresh();
    const first = reporter.forHeartbeat(1_000);
    expect(first).toMatchObject({
      queues: { outbox: 2, delivery: 0 },
      spool: { bytes: 0, files: 0 },
      worklistQueries: [{ callingAe: 'DR1', matched: 1 }],
    });
    // No PACS, no forwarding queue; free space not read yet, no disk.
    expect(first!.queues).not.toHaveProperty('forwarding');
    expect(first).not.toHaveProperty('disk');
    expect(reporter.forHeartbeat(3_000)).toBeUndefined();
    disk.freeBytes = 5e9;
    await reporter.refresh();
    expect(reporter.forHeartbeat(6_500)?.disk).toEqual({ freeBytes: 5e9, minFreeBytes: 1024 });
  });

  it('leaves out a report the link would refuse, rather than risk the link', async () => {
    const reporter = new StatusReporter({
      database: journal.database,
      disk: { freeBytes: 1, minFreeBytes: 1 },
      queries: new WorklistQueryLog(),
      echoTargets: () => [{ id: 'pacs', role: 'pacs', aeTitle: 'PACS', host: 'h'.repeat(300), port: 104 }],
      forwarding: () => false,
    });
    await reporter.refresh();
    expect(reporter.forHeartbeat()).toBeUndefined();
  });
});
