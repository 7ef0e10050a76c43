import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@libsql/client';
import { dcmtkEnv, runDcmtkTool } from './dcmtk.js';
import { ManagedProcess } from './managed-process.js';
import { freePort } from './ports.js';

const run = promisify(execFile);
export { dcmtkEnv };

export interface StoreRun {
  ok: boolean;
  /** One entry per response storescu received, in order: 'Success' or the status it printed. */
  responses: string[];
  /** Hex statuses and Error Comments of failed responses (from the debug output). */
  statuses: string[];
  errorComments: string[];
  log: string;
}

/** Sends files with DCMTK's storescu (`-R`: only the contexts the files need) and reads its verdicts. */
export async function storescu(opts: {
  port: number;
  files: string[];
  args?: string[];
  callingAe?: string;
  debug?: boolean;
}): Promise<StoreRun> {
  const args = [
    opts.debug ? '-d' : '-v',
    '-R',
    '-aet',
    opts.callingAe ?? 'DR1',
    '-aec',
    'LIGHTBOX',
    ...(opts.args ?? []),
    '127.0.0.1',
    String(opts.port),
    ...opts.files,
  ];
  const { ok, log } = await runDcmtkTool('storescu', args);
  return { ok, log, ...parseStoreLog(log) };
}

export function parseStoreLog(log: string): Pick<StoreRun, 'responses' | 'statuses' | 'errorComments'> {
  return {
    responses: [...log.matchAll(/Received Store Response \(([^)]*)\)/g)].map((m) => m[1]!),
    statuses: [...log.matchAll(/DIMSE Status\s*:\s*0x([0-9a-fA-F]{4})/g)].map((m) => m[1]!.toLowerCase()),
    errorComments: [...log.matchAll(/\(0000,0902\) LO \[(.*?)\s*\]/g)].map((m) => m[1]!.trim()),
  };
}

/** storescu as a child process the test can kill mid-transfer. */
export function spawnStorescu(
  port: number,
  files: string[],
  args: string[] = [],
): ChildProcess & { output: () => string } {
  const child = spawn(
    'storescu',
    ['-v', '-R', '-aet', 'DR1', '-aec', 'LIGHTBOX', ...args, '127.0.0.1', String(port), ...files],
    {
      env: dcmtkEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  return Object.assign(child, { output: () => out });
}

export async function echoscu(port: number): Promise<boolean> {
  try {
    await run('echoscu', ['-aet', 'DR1', '-aec', 'LIGHTBOX', '127.0.0.1', String(port)], { env: dcmtkEnv });
    return true;
  } catch {
    return false;
  }
}

export async function dcmdumpText(file: string): Promise<string> {
  return (await run('dcmdump', ['+U8', '-q', file], { env: dcmtkEnv, maxBuffer: 64 * 1024 * 1024 })).stdout;
}

/**
 * The agent alone (no plugin link): DICOM on a free loopback port, data in `dataDir`; `env` adds
 * settings, `name` labels its log lines.
 */
export async function startStorageAgent(
  dataDir: string,
  opts: { env?: Record<string, string>; name?: string } = {},
): Promise<{ agent: ManagedProcess; port: number }> {
  const port = await freePort();
  const agent = new ManagedProcess(opts.name ?? 'agent', 'agent/src/main.ts', {
    LIGHTBOX_DICOM_HOST: '127.0.0.1',
    LIGHTBOX_DICOM_PORT: String(port),
    LIGHTBOX_DATA_DIR: dataDir,
    LIGHTBOX_PLUGIN_URL: '',
    LIGHTBOX_AGENT_ID: '',
    LIGHTBOX_AGENT_TOKEN: '',
    ...opts.env,
  }).start();
  await agent.waitForCode('agent_started', { timeoutMs: 30_000 });
  return { agent, port };
}

export interface StoredRow {
  sop_instance_uid: string;
  sha256: string;
  sop_class_uid: string;
  study_instance_uid: string;
  series_instance_uid: string;
  transfer_syntax_uid: string;
  patient_id: string;
  patient_name: string;
  accession_number: string;
  modality: string;
  relative_path: string;
  file_bytes: number;
  dataset_bytes: number;
  calling_ae_title: string;
  conflict: number;
}

/** What the agent recorded, read from its libsql file as a support engineer would. */
export async function storedRows(dataDir: string): Promise<StoredRow[]> {
  const client = createClient({ url: `file:${path.join(dataDir, 'agent.db')}` });
  try {
    const rs = await client.execute('SELECT * FROM stored_instances ORDER BY rowid');
    return rs.rows.map((r) => ({ ...r }) as unknown as StoredRow);
  } finally {
    client.close();
  }
}

/**
 * A TCP relay between a DICOM peer and the agent that forwards whole PDUs until `holdAfterBytes`
 * have passed, then holds the rest: the agent is left with a transfer in flight, and the test
 * decides how it ends (peer killed, or an A-ABORT sent in its name).
 */
export class HoldingRelay {
  port = 0;
  private server: net.Server | null = null;
  private upstream: net.Socket | null = null;
  /** What arrived while holding, for `release`. */
  private held: Buffer[] = [];
  private holding = false;
  private released = false;
  forwarded = 0;

  constructor(
    private readonly targetPort: number,
    private readonly holdAfterBytes: number,
  ) {}

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      this.upstream = upstream;
      upstream.setNoDelay(true);
      client.setNoDelay(true);
      upstream.on('data', (d) => client.write(d));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      let pending = Buffer.alloc(0);
      client.on('data', (d: Buffer) => {
        if (this.released) {
          upstream.write(d);
          return;
        }
        if (this.holding) {
          this.held.push(d);
          return;
        }
        pending = Buffer.concat([pending, d]);
        // Whole PDUs only, so that whatever the test sends next starts on a PDU boundary.
        while (pending.length >= 6) {
          const length = 6 + pending.readUInt32BE(2);
          if (pending.length < length) break;
          upstream.write(pending.subarray(0, length));
          this.forwarded += length;
          pending = pending.subarray(length);
          if (this.forwarded >= this.holdAfterBytes) {
            this.holding = true;
            this.held.push(pending);
            pending = Buffer.alloc(0);
            return;
          }
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  /** Lets everything held (and everything after it) through: the transfer carries on. */
  release(): void {
    this.released = true;
    for (const chunk of this.held.splice(0)) this.upstream?.write(chunk);
  }

  /** Sends an A-ABORT (service user, no reason) to the agent, as the peer would. */
  abortUpstream(): void {
    this.upstream?.write(Buffer.from([0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00]));
  }

  async close(): Promise<void> {
    this.upstream?.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * Transfers left in an agent's `spool/incoming/`: the files there that hold bytes. The agent keeps
 * a few empty temp files open for the next C-STOREs; a transfer writes its file meta group as soon
 * as it takes one, so a file of a transfer is never empty.
 */
export function partialTransfers(dataDir: string): string[] {
  const dir = path.join(dataDir, 'spool', 'incoming');
  return readdirSync(dir).filter((f) => statSync(path.join(dir, f)).size > 0);
}
