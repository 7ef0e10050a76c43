import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManagedProcess, waitUntil } from './managed-process.js';
import { freePort } from './ports.js';

export const TEST_API_KEY = 'lbx_key_test_0123456789abcdefghijklmnop';

export interface StackOptions {
  heartbeatMs?: number;
  reconnectMaxMs?: number;
  pluginEnv?: Record<string, string>;
  agentEnv?: Record<string, string>;
  stations?: { aeTitle: string; modality: string }[];
}

/** A plugin and one registered agent as separate real processes, each on its own libsql file. */
export class LightboxStack {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'lightbox-e2e-'));
  plugin!: ManagedProcess;
  agent!: ManagedProcess;
  pluginUrl = '';
  dicomPort = 0;
  agentId = '';
  agentToken = '';

  constructor(readonly opts: StackOptions = {}) {}

  async startPlugin(): Promise<void> {
    const httpPort = await freePort();
    this.pluginUrl = `http://127.0.0.1:${httpPort}`;
    this.plugin = new ManagedProcess('plugin', 'pims-plugin/src/main.ts', {
      LIGHTBOX_HTTP_HOST: '127.0.0.1',
      LIGHTBOX_HTTP_PORT: String(httpPort),
      LIGHTBOX_DATA_DIR: path.join(this.dir, 'plugin'),
      LIGHTBOX_API_KEY: TEST_API_KEY,
      LIGHTBOX_HEARTBEAT_MS: String(this.opts.heartbeatMs ?? 1_000),
      ...this.opts.pluginEnv,
    }).start();
    await this.waitPluginReady();
  }

  async waitPluginReady(): Promise<void> {
    await waitUntil('plugin ready', async () => (await fetch(`${this.pluginUrl}/health/ready`)).ok, 20_000);
  }

  async registerAgent(stations = this.opts.stations ?? []): Promise<void> {
    const res = await this.api('POST', '/v1/agents', { name: 'test agent', stations });
    if (res.status !== 201) throw new Error(`agent registration failed: ${res.status}`);
    const body = (await res.json()) as { agentId: string; token: string };
    this.agentId = body.agentId;
    this.agentToken = body.token;
  }

  async startAgent(env: Record<string, string> = {}): Promise<void> {
    this.dicomPort = this.dicomPort || (await freePort());
    this.agent = new ManagedProcess('agent', 'agent/src/main.ts', {
      LIGHTBOX_PLUGIN_URL: this.pluginUrl,
      LIGHTBOX_AGENT_ID: this.agentId,
      LIGHTBOX_AGENT_TOKEN: this.agentToken,
      LIGHTBOX_DICOM_HOST: '127.0.0.1',
      LIGHTBOX_DICOM_PORT: String(this.dicomPort),
      LIGHTBOX_DATA_DIR: path.join(this.dir, 'agent'),
      LIGHTBOX_RECONNECT_MAX_MS: String(this.opts.reconnectMaxMs ?? 1_000),
      ...this.opts.agentEnv,
      ...env,
    }).start();
  }

  /** Plugin, agent, and the link between them up. */
  async startAll(): Promise<void> {
    await this.startPlugin();
    await this.registerAgent();
    await this.startAgent();
    await this.waitLinked();
  }

  async waitLinked(timeoutMs = 20_000): Promise<void> {
    await waitUntil(
      'agent linked',
      async () => {
        const res = await this.api('GET', `/v1/agents/${this.agentId}`);
        return res.ok && ((await res.json()) as { connected: boolean }).connected;
      },
      timeoutMs,
    );
  }

  api(method: string, pathName: string, body?: unknown, key = TEST_API_KEY): Promise<Response> {
    return fetch(`${this.pluginUrl}${pathName}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }

  get pluginDbFile(): string {
    return path.join(this.dir, 'plugin', 'plugin.db');
  }

  get agentDbFile(): string {
    return path.join(this.dir, 'agent', 'agent.db');
  }

  /** Stops both processes; their data stays for the test to inspect. */
  async stop(): Promise<void> {
    // Either may never have been started by a test.
    for (const p of [this.agent, this.plugin] as (ManagedProcess | undefined)[]) await p?.stop();
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (!process.env.LIGHTBOX_KEEP_TEST_DATA) rmSync(this.dir, { recursive: true, force: true });
  }
}
