import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from './support/lightbox-stack.js';
import { waitUntil } from './support/managed-process.js';
import { NpmStart } from './support/npm-start.js';
import { freePort } from './support/ports.js';

const run = promisify(execFile);

/**
 * `npm start` is crash-only: a part killed at any moment is restarted (saying so) while the other
 * keeps serving, and both come back with their data.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-npm-start-'));
let start: NpmStart;
let api = '';
let dicomPort = 0;

async function echo(): Promise<boolean> {
  try {
    // echoscu exits non-zero unless the echo was answered.
    await run('echoscu', ['-aet', 'DR1', '-aec', 'LIGHTBOX', '127.0.0.1', String(dicomPort)], {
      env: { ...process.env, TCP_NODELAY: '1' },
      timeout: 5_000,
    });
    return true;
  } catch {
    return false;
  }
}

const get = (p: string) => fetch(`${api}${p}`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });

const linked = async () => {
  const res = await get('/v1/agents/agt_local').catch(() => null);
  return res?.ok === true && ((await res.json()) as { connected: boolean }).connected;
};

beforeAll(async () => {
  const httpPort = await freePort();
  dicomPort = await freePort();
  api = `http://127.0.0.1:${httpPort}`;
  start = new NpmStart({
    LIGHTBOX_DATA_DIR: dir,
    LIGHTBOX_HTTP_PORT: String(httpPort),
    LIGHTBOX_DICOM_HOST: '127.0.0.1',
    LIGHTBOX_DICOM_PORT: String(dicomPort),
    LIGHTBOX_API_KEY: TEST_API_KEY,
    LIGHTBOX_RECONNECT_MAX_MS: '1000',
    LIGHTBOX_LOG_FORMAT: 'json',
  }).start();
  await waitUntil('npm start linked', linked, 60_000, 200);
}, 90_000);

afterAll(async () => {
  await start.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('leaves no bundler process alive once started', () => {
  const tree = start.tree();
  expect(tree.some((p) => p.cmdline.includes('agent/src/main.ts'))).toBe(true);
  expect(tree.filter((p) => /esbuild/.test(p.cmdline)).map((p) => p.cmdline)).toEqual([]);
});

describe('npm start after a SIGKILL', () => {
  it('restarts the agent while the API keeps answering; C-ECHO works again within 10 s', async () => {
    expect(await echo()).toBe(true);
    const agentPid = start.pidOf('agent/src/main.ts')!;
    expect(agentPid).toBeGreaterThan(0);
    process.kill(agentPid, 'SIGKILL');
    const killedAt = Date.now();
    // The plugin never stopped.
    expect((await get('/v1/orders')).status).toBe(200);
    expect((await fetch(`${api}/health/ready`)).status).toBe(200);
    await waitUntil('C-ECHO answered again', echo, 10_000, 200);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect(start.pidOf('agent/src/main.ts')).not.toBe(agentPid);
    expect(start.output).toMatch(/the agent stopped \(SIGKILL\); restarting it in \d+ ms/);
    await waitUntil('linked again', linked, 10_000, 200);
  });

  it('restarts the plugin while the agent keeps answering C-ECHO', async () => {
    const pluginPid = start.pidOf('pims-plugin/src/main.ts')!;
    process.kill(pluginPid, 'SIGKILL');
    expect(await echo()).toBe(true);
    await waitUntil(
      'the API answering again',
      async () => (await get('/v1/orders').catch(() => null))?.ok,
      15_000,
      200,
    );
    expect(start.output).toMatch(/the plugin stopped \(SIGKILL\); restarting it/);
    await waitUntil('linked again', linked, 15_000, 200);
  });
});
