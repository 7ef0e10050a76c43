import { describe, expect, it } from 'vitest';
import { type EchoResultMessage, type EchoTarget } from '@lightbox/protocol';
import { createLogger } from '@lightbox/runtime';
import { journalPerTest } from '../db/test-support/journal-per-test.js';
import { outbox } from '../db/schema.js';
import { EchoOnRequest } from './echo-on-request.js';
import { echoTargetsOf } from './echo-targets.js';

const journal = journalPerTest('echo');

const log = createLogger('error', () => undefined);
const pacs: EchoTarget = { id: 'pacs', role: 'pacs', aeTitle: 'PACS', host: '127.0.0.1', port: 4242 };

async function answered(): Promise<EchoResultMessage[]> {
  const rows = await journal.database.db.select().from(outbox);
  return rows.map((r) => JSON.parse(r.bodyJson) as EchoResultMessage);
}

describe('a C-ECHO the plugin asks for', () => {
  it('dials only a target of its own configuration and answers through the outbox', async () => {
    const dialled: unknown[] = [];
    let wakes = 0;
    const echo = new EchoOnRequest({
      database: journal.database,
      aeTitle: 'LIGHTBOX',
      targets: () => [pacs],
      wake: () => wakes++,
      log,
      echo: (opts) => {
        dialled.push(opts);
        return Promise.resolve({ ok: true, ms: 7 });
      },
    });
    const notAfter = new Date(Date.now() + 60_000).toISOString();
    await echo.run({ kind: 'echo.request', echoId: 'e1', target: 'pacs', notAfter });
    await echo.run({ kind: 'echo.request', echoId: 'e2', target: 'station:10.0.0.9', notAfter });
    expect(dialled).toEqual([
      { host: '127.0.0.1', port: 4242, callingAe: 'LIGHTBOX', calledAe: 'PACS', timeoutMs: 5_000 },
    ]);
    const [ok, unknown] = await answered();
    expect(ok).toMatchObject({
      kind: 'echo.result',
      echoId: 'e1',
      ok: true,
      ms: 7,
      target: { aeTitle: 'PACS' },
    });
    expect(unknown).toMatchObject({
      echoId: 'e2',
      ok: false,
      error: 'the agent knows no echo target "station:10.0.0.9"',
    });
    expect(wakes).toBe(2);
  });

  it('does not run a request that arrives after its time', async () => {
    let dialled = 0;
    const echo = new EchoOnRequest({
      database: journal.database,
      aeTitle: 'LIGHTBOX',
      targets: () => [pacs],
      wake: () => undefined,
      log,
      echo: () => {
        dialled++;
        return Promise.resolve({ ok: true, ms: 1 });
      },
    });
    await echo.run({
      kind: 'echo.request',
      echoId: 'late',
      target: 'pacs',
      notAfter: new Date(Date.now() - 1).toISOString(),
    });
    expect(dialled).toBe(0);
    const [late] = await answered();
    expect(late?.ok).toBe(false);
    expect(late?.error).toMatch(/too late/);
  });

  it('knows the PACS, consoles with an address, and its own SCP', () => {
    const targets = echoTargetsOf(
      {
        aeTitle: 'LIGHTBOX',
        dicomHost: '0.0.0.0',
        forwarding: { pacs: { aeTitle: 'PACS', host: 'pacs.local', port: 104 } } as never,
        worklist: {
          profiles: [{ aeTitle: 'DR1', host: '10.0.0.7', port: 11112 }, { aeTitle: 'US1' }],
        } as never,
      },
      11113,
    );
    expect(targets.map((t) => `${t.id} ${t.aeTitle}@${t.host}:${t.port}`)).toEqual([
      'pacs PACS@pacs.local:104',
      'station:DR1 DR1@10.0.0.7:11112',
      'self LIGHTBOX@127.0.0.1:11113',
    ]);
  });
});
