import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentStatusReport } from '@lightbox/protocol';
import { openDatabase, type Database } from '../db/database.js';
import { agentOutbox, agents, auditLog, sites } from '../db/schema.js';
import { applyEchoResult, requestEcho, waitForEcho, type AgentsOnline } from './agent-echo.js';

let dir: string;
let database: Database;
let connected: boolean;
const notified: string[] = [];
const hub = {
  isConnected: () => connected,
  notify: (id: string) => notified.push(id),
} as unknown as AgentsOnline;
const maria = { type: 'staff' as const, id: 'acct_1', name: 'Maria' };

const report = (targets: AgentStatusReport['echoTargets']): AgentStatusReport => ({
  at: new Date().toISOString(),
  queues: { outbox: 0, delivery: 0 },
  spool: { bytes: 0, files: 0 },
  worklistQueries: [],
  echoTargets: targets,
});

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lightbox-echo-'));
  database = await openDatabase(`file:${path.join(dir, 'plugin.db')}`);
  connected = true;
  notified.length = 0;
  await database.write(async (tx) => {
    await tx.insert(sites).values({ id: 'site-a', name: 'A' });
    await tx.insert(agents).values({
      id: 'agt_1',
      siteId: 'site-a',
      name: 'DR PC',
      tokenHash: 'x',
      statusJson: JSON.stringify(
        report([{ id: 'pacs', role: 'pacs', aeTitle: 'PACS', host: '10.0.0.5', port: 104 }]),
      ),
    });
  });
});
afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

const ask = (targetId = 'pacs', siteId = 'site-a') =>
  requestEcho(database, hub, { siteId, agentId: 'agt_1', targetId, actor: maria });
const actions = async () => (await database.db.select().from(auditLog)).map((a) => a.action);

describe('a C-ECHO asked from the agents page', () => {
  it('goes to the agent through its outbox, and its answer is recorded once in the name of who asked', async () => {
    const echoId = await ask();
    const [sent] = await database.db.select().from(agentOutbox).where(eq(agentOutbox.agentId, 'agt_1'));
    expect(JSON.parse(sent!.bodyJson)).toMatchObject({ kind: 'echo.request', echoId, target: 'pacs' });
    expect(notified).toEqual(['agt_1']);
    const answer = {
      kind: 'echo.result' as const,
      echoId,
      target: { id: 'pacs', aeTitle: 'PACS', host: '10.0.0.5', port: 104 },
      ok: true,
      ms: 12.4,
      at: new Date().toISOString(),
    };
    await database.write((tx) => applyEchoResult(tx, 'agt_1', answer));
    // The same answer again (or another agent's claim to it) changes nothing.
    await database.write((tx) => applyEchoResult(tx, 'agt_1', { ...answer, ok: false, error: 'x' }));
    await database.write((tx) => applyEchoResult(tx, 'agt_2', answer));
    const row = await waitForEcho(database.db, echoId, 0);
    expect(row).toMatchObject({ ok: true, ms: 12, error: null });
    expect(await actions()).toEqual(['agent.echo_requested', 'agent.echo_succeeded']);
    const [, done] = await database.db.select().from(auditLog);
    expect(done).toMatchObject({ actorName: 'Maria', subjectId: 'agt_1' });
  });

  it('is refused, with nothing sent, for an agent not connected, a peer it did not report, or another site', async () => {
    await expect(ask('station:10.0.0.9')).rejects.toThrow(/no such echo target/);
    await expect(ask('pacs', 'site-b')).rejects.toThrow(/agent not found/);
    connected = false;
    await expect(ask()).rejects.toThrow(/not connected/);
    connected = true;
    await database.write((tx) => tx.update(agents).set({ statusJson: null }));
    await expect(ask()).rejects.toThrow(/has not reported what it can echo/);
    expect(await database.db.select().from(agentOutbox)).toEqual([]);
    expect(await actions()).toEqual([]);
  });
});
