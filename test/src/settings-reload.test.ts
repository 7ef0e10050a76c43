import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { radiographSpec, writeImage, type CorpusFile } from './fixtures/storage-corpus.js';
import { ManagedProcess, runAgentCommand, waitUntil } from './support/managed-process.js';
import { freePort } from './support/ports.js';
import { HoldingRelay, parseStoreLog, spawnStorescu, storescu } from './support/storage-peers.js';

/**
 * A field engineer edits the agent's config file and reloads it — SIGHUP on Linux, `npm run agent
 * -- reload` anywhere (Windows services get no signals) — while a modality is in the middle of
 * sending a radiograph: the new allow-list applies to the next association, the transfer in
 * progress completes.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-reload-'));
const configFile = path.join(dir, 'agent.json');
const env: Record<string, string> = {
  LIGHTBOX_DICOM_HOST: '127.0.0.1',
  LIGHTBOX_DATA_DIR: path.join(dir, 'agent'),
  LIGHTBOX_PLUGIN_URL: '',
  LIGHTBOX_AGENT_ID: '',
  LIGHTBOX_AGENT_TOKEN: '',
};
let agent: ManagedProcess;
let port: number;
let radiograph: CorpusFile;
let small: CorpusFile;

const writeConfig = (allowed: string[]): void =>
  writeFileSync(configFile, JSON.stringify({ allowedCallingAeTitles: allowed }, null, 2));

beforeAll(async () => {
  port = await freePort();
  env.LIGHTBOX_DICOM_PORT = String(port);
  radiograph = await writeImage(path.join(dir, 'images'), radiographSpec('dx-reload'));
  small = await writeImage(path.join(dir, 'images'), {
    ...radiographSpec('small'),
    rows: 64,
    columns: 64,
  });
  writeConfig(['DR1']);
  agent = new ManagedProcess('agent', 'agent/src/main.ts', env, ['--config', configFile]).start();
  await agent.waitForCode('agent_started', { timeoutMs: 30_000 });
}, 60_000);
afterAll(async () => {
  await agent.stop();
  if (!process.env.LIGHTBOX_KEEP_TEST_DATA) rmSync(dir, { recursive: true, force: true });
});

describe('settings reload', () => {
  it('applies a new allow-list on SIGHUP to new associations, without dropping a transfer in progress', async () => {
    const relay = new HoldingRelay(port, 2 * 1024 * 1024);
    await relay.start();
    const inProgress = spawnStorescu(relay.port, [radiograph.file]);
    const finished = new Promise<number | null>((resolve) => inProgress.once('exit', resolve));
    await waitUntil('2 MB of the radiograph at the agent', () =>
      Promise.resolve(relay.forwarded >= 2 * 1024 * 1024),
    );

    writeConfig(['US1']);
    const from = agent.lines.length;
    agent.signal('SIGHUP');
    const reloaded = await agent.waitForCode('settings_reloaded', { timeoutMs: 10_000, from });
    expect(reloaded).toMatchObject({ trigger: 'SIGHUP', changed: ['allowed calling AE titles'] });

    // DR1 may no longer associate...
    const refused = await storescu({ port, files: [small.file], callingAe: 'DR1' });
    expect(refused.ok).toBe(false);
    expect(refused.log).toMatch(/Association Rejected|Calling AE Title Not Recognized/i);
    // ...but the transfer it had started goes on to success.
    relay.release();
    expect(await finished).toBe(0);
    expect(parseStoreLog(inProgress.output()).responses).toEqual(['Success']);
    await relay.close();
    const allowed = await storescu({ port, files: [small.file], callingAe: 'US1' });
    expect(allowed.responses).toEqual(['Success']);
  });

  it('reloads through `npm run agent -- reload`, and keeps the running settings when the file is broken', async () => {
    writeConfig(['US1', 'CT9']);
    const from = agent.lines.length;
    const { stdout } = await runAgentCommand(['reload', '--config', configFile], env);
    expect(stdout).toMatch(/^reload requested/);
    const reloaded = await agent.waitForCode('settings_reloaded', { timeoutMs: 10_000, from });
    expect(reloaded.trigger).toBe('reload request');
    expect((await storescu({ port, files: [small.file], callingAe: 'CT9' })).responses).toEqual(['Success']);

    writeFileSync(configFile, JSON.stringify({ allowedCallingAeTitles: ['CT9'], alowedCallingAeTitles: [] }));
    const before = agent.lines.length;
    agent.signal('SIGHUP');
    const error = await agent.waitForCode('settings_not_reloaded', { timeoutMs: 10_000, from: before });
    expect(error.problem).toBe(
      `invalid setting ${configFile} field "alowedCallingAeTitles": not a setting of the agent`,
    );
    // The running list (US1, CT9) still applies.
    expect((await storescu({ port, files: [small.file], callingAe: 'US1' })).responses).toEqual(['Success']);
  });
});
