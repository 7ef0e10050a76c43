import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LightboxStack } from './support/lightbox-stack.js';
import { ManagedProcess, runAgentCommand } from './support/managed-process.js';
import { freePort } from './support/ports.js';
import { StorescpPacs } from './support/storescp-pacs.js';
import { issueServerCert, makeCa } from './support/test-ca.js';

/**
 * `npm run agent -- doctor` as a field engineer runs it on the modality PC: every line passes on a
 * healthy setup, and each broken one is named on its own line with what to do, exit code 1.
 */
const stack = new LightboxStack();
const peer = new StorescpPacs(path.join(stack.dir, 'peer'));
const smallDisk = path.join(stack.dir, 'small-disk');
let mounted = false;
let tlsPlugin: ManagedProcess | undefined;

async function doctor(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number; lines: string[] }> {
  try {
    const r = await runAgentCommand(['doctor', ...args], env, 60_000);
    return { code: 0, lines: r.stdout.trim().split('\n') };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? -1, lines: (e.stdout ?? '').trim().split('\n') };
  }
}

let healthy: Record<string, string>;
const line = (lines: string[], name: string): string => lines.find((l) => l.slice(6).startsWith(name)) ?? '';

beforeAll(async () => {
  await stack.startPlugin();
  await stack.registerAgent();
  await peer.start();
  healthy = {
    LIGHTBOX_PLUGIN_URL: stack.pluginUrl,
    LIGHTBOX_AGENT_ID: stack.agentId,
    LIGHTBOX_AGENT_TOKEN: stack.agentToken,
    LIGHTBOX_DICOM_HOST: '127.0.0.1',
    LIGHTBOX_DICOM_PORT: String(await freePort()),
    LIGHTBOX_DATA_DIR: path.join(stack.dir, 'agent'),
    LIGHTBOX_MODALITY_PROFILES: JSON.stringify([{ aeTitle: 'US1', host: '127.0.0.1', port: peer.port }]),
    LIGHTBOX_FORWARD_PACS: `PACS@127.0.0.1:${peer.port}`,
  };
}, 60_000);

afterAll(async () => {
  await tlsPlugin?.stop();
  await peer.stop();
  if (mounted) execFileSync('umount', ['-l', smallDisk]);
  await stack.dispose();
});

describe('agent doctor', () => {
  it('passes every line on a healthy setup', async () => {
    const r = await doctor(healthy);
    expect(r.code).toBe(0);
    const checks = r.lines.slice(0, -1);
    expect(checks.map((l) => l.slice(6, 30).trim())).toEqual([
      'config',
      'data folder',
      'spool folder',
      'free disk space',
      'DICOM port',
      'plugin reachable',
      'agent token',
      'protocol version',
      'clock',
      'modality US1',
      'PACS forward target',
    ]);
    for (const l of checks) expect(l.startsWith('ok    ')).toBe(true);
    expect(r.lines.at(-1)).toBe('all checks passed');
  });

  it('names a wrong token', async () => {
    const r = await doctor({ ...healthy, LIGHTBOX_AGENT_TOKEN: 'not-the-token-0123456789' });
    expect(r.code).toBe(1);
    expect(line(r.lines, 'agent token')).toMatch(
      /^FAIL {2}agent token +the plugin refused the token of agent \S+ \(HTTP 401\) -> set LIGHTBOX_AGENT_TOKEN/,
    );
  });

  it('names a plugin that is down', async () => {
    const r = await doctor({ ...healthy, LIGHTBOX_PLUGIN_URL: `http://127.0.0.1:${await freePort()}` });
    expect(r.code).toBe(1);
    expect(line(r.lines, 'plugin reachable')).toMatch(
      /^FAIL .*does not answer \(ECONNREFUSED\) -> is the plugin running/,
    );
  });

  it('names a TLS certificate from another CA', async () => {
    const ca = makeCa(stack.dir, 'plugin-ca');
    const other = makeCa(stack.dir, 'other-ca');
    const cert = issueServerCert(ca, 'plugin-tls');
    const port = await freePort();
    tlsPlugin = new ManagedProcess('tls-plugin', 'pims-plugin/src/main.ts', {
      LIGHTBOX_HTTP_HOST: '127.0.0.1',
      LIGHTBOX_HTTP_PORT: String(port),
      LIGHTBOX_DATA_DIR: path.join(stack.dir, 'tls-plugin'),
      LIGHTBOX_API_KEY: 'lbx_key_test_0123456789abcdefghijklmnop',
      LIGHTBOX_TLS_CERT_FILE: cert.cert,
      LIGHTBOX_TLS_KEY_FILE: cert.key,
    }).start();
    await tlsPlugin.waitForCode('plugin_listening', { timeoutMs: 30_000 });
    const url = `https://127.0.0.1:${port}`;
    const refused = await doctor({
      ...healthy,
      LIGHTBOX_PLUGIN_URL: url,
      LIGHTBOX_PLUGIN_CA_FILE: other.cert,
    });
    expect(refused.code).toBe(1);
    expect(line(refused.lines, 'plugin TLS certificate')).toMatch(
      /^FAIL .*is not signed by a trusted CA .* -> set LIGHTBOX_PLUGIN_CA_FILE/,
    );
    const trusted = await doctor({ ...healthy, LIGHTBOX_PLUGIN_URL: url, LIGHTBOX_PLUGIN_CA_FILE: ca.cert });
    expect(line(trusted.lines, 'plugin TLS certificate')).toMatch(
      /^ok {4}plugin TLS certificate +verified: plugin-tls/,
    );
    // That plugin never issued this agent's token.
    expect(line(trusted.lines, 'agent token')).toMatch(/^FAIL .*HTTP 401/);
  });

  it('names a modality that does not answer', async () => {
    const silent = await freePort();
    const r = await doctor({
      ...healthy,
      LIGHTBOX_MODALITY_PROFILES: JSON.stringify([
        { aeTitle: 'US1', host: '127.0.0.1', port: peer.port },
        { aeTitle: 'DR2', host: '127.0.0.1', port: silent },
      ]),
    });
    expect(r.code).toBe(1);
    expect(line(r.lines, 'modality US1').startsWith('ok')).toBe(true);
    expect(line(r.lines, 'modality DR2')).toBe(
      `FAIL  modality DR2             127.0.0.1:${silent} does not answer C-ECHO: ECONNREFUSED -> is the modality on, its DICOM service running, and host/port in its profile right?`,
    );
  });

  it('names a full disk', async () => {
    mkdirSync(smallDisk, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', smallDisk]);
    mounted = true;
    writeFileSync(path.join(smallDisk, 'filler'), Buffer.alloc(0));
    // Fill it to the last block.
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${path.join(smallDisk, 'filler')}`, 'bs=64k'], {
        stdio: 'ignore',
      });
    } catch {
      // dd stops with "No space left on device", as intended
    }
    const r = await doctor({ ...healthy, LIGHTBOX_SPOOL_DIR: smallDisk });
    expect(r.code).toBe(1);
    expect(line(r.lines, 'spool folder')).toMatch(
      /^FAIL .*\(ENOSPC\) -> the disk is full: free space on it$/,
    );
    expect(line(r.lines, 'free disk space')).toMatch(/^FAIL .*0 MB free for the spool, below the 1024 MB/);
  });

  it('names an unknown field and a wrong type in the config file', async () => {
    const file = path.join(stack.dir, 'agent.json');
    writeFileSync(file, JSON.stringify({ dicomPrt: 104, renderThreads: 'many' }));
    const r = await doctor(healthy, ['--config', file]);
    expect(r.code).toBe(1);
    expect(r.lines).toContain(
      `FAIL  config                   invalid setting ${file} field "dicomPrt": not a setting of the agent -> correct that setting`,
    );
    expect(
      r.lines.some((l) =>
        l.includes(`invalid setting ${file} field "renderThreads": expected an integer from 1 to 16`),
      ),
    ).toBe(true);
  });
});
