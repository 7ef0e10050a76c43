/**
 * `npm start`: the plugin and one local agent on the embedded default (libsql files under the data
 * folder), the agent registered and linked automatically. Each runs as its own process, as they
 * would on separate machines; this launcher only wires them together and forwards signals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

function run(name: string, entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(
    process.execPath,
    [path.join(root, 'scripts', 'run-bundled.mjs'), path.join(root, entry)],
    {
      cwd: process.cwd(),
      env: { ...process.env, ...env },
      stdio: 'inherit',
    },
  );
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(
        `lightbox: the ${name} stopped (${signal ?? `exit ${code}`}); stopping everything\n`,
      );
      stopAll(code ?? 1);
    }
  });
  return child;
}

let stopping = false;
const children: ChildProcess[] = [];
function stopAll(code: number): void {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3_000).unref();
  Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
  ).then(
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
  children.push(
    run('plugin', 'pims-plugin/src/main.ts', {
      LIGHTBOX_DATA_DIR: path.join(dataDir, 'plugin'),
      LIGHTBOX_LOCAL_AGENT_ID: agent.agentId,
      LIGHTBOX_LOCAL_AGENT_TOKEN: agent.token,
    }),
  );
  await waitReady(pluginUrl);
  children.push(
    run('agent', 'agent/src/main.ts', {
      LIGHTBOX_DATA_DIR: path.join(dataDir, 'agent'),
      LIGHTBOX_PLUGIN_URL: pluginUrl,
      LIGHTBOX_AGENT_ID: agent.agentId,
      LIGHTBOX_AGENT_TOKEN: agent.token,
    }),
  );
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
