/**
 * `npm start`: the plugin and one local agent on the embedded default (libsql files under the data
 * folder), the agent registered and linked automatically. Each runs as its own process, as they
 * would on separate machines; this launcher wires them together, restarts either one that dies
 * (the other keeps serving) and forwards signals.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleEntry } from './bundle.mjs';
import { SupervisedPart } from './supervised-part.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(process.env.LIGHTBOX_DATA_DIR ?? './data');
const httpHost = process.env.LIGHTBOX_HTTP_HOST ?? '127.0.0.1';
const httpPort = process.env.LIGHTBOX_HTTP_PORT ?? '8080';
const dicomHost = process.env.LIGHTBOX_DICOM_HOST ?? '0.0.0.0';
const dicomPort = process.env.LIGHTBOX_DICOM_PORT ?? '11112';
const aeTitle = process.env.LIGHTBOX_AE_TITLE ?? 'LIGHTBOX';

interface LocalAgent {
  agentId: string;
  token: string;
}

/** The local agent's identity is made once and kept, so restarts keep the same agent and journal. */
function localAgentIdentity(): LocalAgent {
  const file = path.join(dataDir, 'local-agent.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalAgent;
  mkdirSync(dataDir, { recursive: true });
  const identity = { agentId: 'agt_local', token: `lbx_agt_${randomBytes(32).toString('base64url')}` };
  writeFileSync(file, JSON.stringify(identity, null, 2), { mode: 0o600 });
  return identity;
}

/**
 * A part, bundled once here: a restart after a crash runs the same bundle at once instead of
 * building it again, and no bundler stays alive in any process.
 */
async function part(name: string, entry: string, env: Record<string, string>): Promise<SupervisedPart> {
  const source = path.join(root, entry);
  const bundle = await bundleEntry(source);
  return new SupervisedPart(
    name,
    {
      file: process.execPath,
      args: [path.join(root, 'scripts', 'run-bundled.mjs'), `--prebuilt=${bundle}`, source],
      env: { ...process.env, ...env },
      cwd: process.cwd(),
    },
    (code) => stopAll(code),
  );
}

let stopping = false;
const parts: SupervisedPart[] = [];
function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(code), 8_000).unref();
  Promise.all(parts.map((p) => p.stop())).then(
    () => process.exit(code),
    () => process.exit(code),
  );
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the plugin did not become ready at ${url}`);
}

async function main(): Promise<void> {
  const agent = localAgentIdentity();
  const pluginUrl = `http://${httpHost === '0.0.0.0' ? '127.0.0.1' : httpHost}:${httpPort}`;
  const plugin = await part('plugin', 'pims-plugin/src/main.ts', {
    LIGHTBOX_DATA_DIR: path.join(dataDir, 'plugin'),
    LIGHTBOX_LOCAL_AGENT_ID: agent.agentId,
    LIGHTBOX_LOCAL_AGENT_TOKEN: agent.token,
  });
  parts.push(plugin);
  plugin.start();
  await waitReady(pluginUrl);
  if (stopping) return;
  const localAgent = await part('agent', 'agent/src/main.ts', {
    LIGHTBOX_DATA_DIR: path.join(dataDir, 'agent'),
    LIGHTBOX_PLUGIN_URL: pluginUrl,
    LIGHTBOX_AGENT_ID: agent.agentId,
    LIGHTBOX_AGENT_TOKEN: agent.token,
  });
  parts.push(localAgent);
  localAgent.start();
  process.stdout.write(
    [
      '',
      'Lightbox is running:',
      `  PIMS API and agent link  ${pluginUrl}/v1   (health: ${pluginUrl}/health/ready)`,
      `  API reference  ${pluginUrl}/docs`,
      `  DICOM (Modality Worklist, MPPS, Storage, C-ECHO)  AE title ${aeTitle} on ${dicomHost}:${dicomPort}`,
      `  Data  ${dataDir}  (plugin/ and agent/ hold each part's libsql file; agent/spool the images)`,
      '',
    ].join('\n') + '\n',
  );
}

process.once('SIGINT', () => {
  stopAll(0);
});
process.once('SIGTERM', () => {
  stopAll(0);
});
main().catch((err: unknown) => {
  process.stderr.write(`lightbox: ${err instanceof Error ? err.message : String(err)}\n`);
  stopAll(1);
});
