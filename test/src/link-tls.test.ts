import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedProcess, waitUntil } from './support/managed-process.js';
import { freePort } from './support/ports.js';
import { issueServerCert, makeCa } from './support/test-ca.js';

/**
 * The link over TLS the way a cloud-hosted plugin serves it: the plugin terminates TLS itself with
 * a certificate from a CA made here with openssl, and the agent dials `https://` trusting that CA
 * through LIGHTBOX_PLUGIN_CA_FILE. A certificate from another CA is refused with one clear line
 * and a status a field engineer can read.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'lightbox-tls-'));
const ca = makeCa(dir, 'practice-ca');
const otherCa = makeCa(dir, 'other-ca');
const agentId = 'agt_tls';
const agentToken = randomBytes(24).toString('hex');
const processes: ManagedProcess[] = [];

async function startPlugin(name: string, cert: { cert: string; key: string }): Promise<string> {
  const port = await freePort();
  const plugin = new ManagedProcess(name, 'pims-plugin/src/main.ts', {
    LIGHTBOX_HTTP_HOST: '127.0.0.1',
    LIGHTBOX_HTTP_PORT: String(port),
    LIGHTBOX_DATA_DIR: path.join(dir, name),
    LIGHTBOX_API_KEY: 'lbx_key_test_0123456789abcdefghijklmnop',
    LIGHTBOX_HEARTBEAT_MS: '1000',
    LIGHTBOX_LOCAL_AGENT_ID: agentId,
    LIGHTBOX_LOCAL_AGENT_TOKEN: agentToken,
    LIGHTBOX_TLS_CERT_FILE: cert.cert,
    LIGHTBOX_TLS_KEY_FILE: cert.key,
  }).start();
  processes.push(plugin);
  const listening = await plugin.waitForCode('plugin_listening', { timeoutMs: 30_000 });
  expect(listening.url).toBe(`https://127.0.0.1:${port}`);
  return `https://127.0.0.1:${port}`;
}

async function startAgent(name: string, pluginUrl: string, caFile: string): Promise<ManagedProcess> {
  const agent = new ManagedProcess(name, 'agent/src/main.ts', {
    LIGHTBOX_PLUGIN_URL: pluginUrl,
    LIGHTBOX_AGENT_ID: agentId,
    LIGHTBOX_AGENT_TOKEN: agentToken,
    LIGHTBOX_PLUGIN_CA_FILE: caFile,
    LIGHTBOX_DICOM_HOST: '127.0.0.1',
    LIGHTBOX_DICOM_PORT: String(await freePort()),
    LIGHTBOX_DATA_DIR: path.join(dir, name),
    LIGHTBOX_RECONNECT_MAX_MS: '1000',
  }).start();
  processes.push(agent);
  return agent;
}

afterAll(async () => {
  for (const p of processes) await p.stop();
  if (!process.env.LIGHTBOX_KEEP_TEST_DATA) rmSync(dir, { recursive: true, force: true });
});

describe('the link over TLS', () => {
  let pluginUrl: string;
  let plugin: ManagedProcess;

  beforeAll(async () => {
    pluginUrl = await startPlugin('plugin', issueServerCert(ca, 'plugin'));
    plugin = processes[0]!;
  }, 60_000);

  it('links over wss:// to a plugin whose certificate the configured CA signed', async () => {
    const agent = await startAgent('agent-trusting', pluginUrl, ca.cert);
    await agent.waitForCode('link_up', { timeoutMs: 30_000 });
    await plugin.waitForCode('agent_linked', { where: (l) => l.agentId === agentId, timeoutMs: 10_000 });
    await agent.stop();
  });

  it('refuses a certificate from another CA with one clear line and a status', async () => {
    const agent = await startAgent('agent-other-ca', pluginUrl, otherCa.cert);
    const line = await agent.waitForCode('link_refused', { timeoutMs: 20_000 });
    expect(line).toMatchObject({ level: 'error', reason: 'certificate' });
    const status = await waitUntil(
      'status.json says tls-refused',
      () => {
        const s = JSON.parse(readFileSync(path.join(dir, 'agent-other-ca', 'status.json'), 'utf8')) as {
          link: string;
          detail: string;
        };
        return Promise.resolve(s.link === 'tls-refused' ? s : undefined);
      },
      10_000,
    );
    expect(status.detail).toBe(
      "link refused: the plugin's TLS certificate is not signed by a trusted CA (the system CAs, or LIGHTBOX_PLUGIN_CA_FILE) (UNABLE_TO_VERIFY_LEAF_SIGNATURE)",
    );
    // Retries do not repeat the line.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(agent.linesWith('link_refused')).toHaveLength(1);
    expect(agent.linesWith('link_up')).toEqual([]);
    await agent.stop();
  });

  it('stops an agent whose CA file is not a certificate, naming the setting', async () => {
    const notPem = path.join(dir, 'not-a-cert.pem');
    writeFileSync(notPem, 'this is not a certificate\n');
    const agent = await startAgent('agent-bad-ca', pluginUrl, notPem);
    expect(await agent.waitForExit()).toBe(2);
    expect(agent.stderr.trim()).toBe(
      `lightbox agent: invalid setting LIGHTBOX_PLUGIN_CA_FILE: expected a PEM certificate (-----BEGIN CERTIFICATE-----), got ${JSON.stringify(notPem)}`,
    );
  });
});
