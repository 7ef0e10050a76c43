import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { dumpValue } from './dcmtk.js';
import { waitUntil } from './managed-process.js';
import { freePort } from './ports.js';
import { dcmtkEnv } from './storage-peers.js';

const run = promisify(execFile);

/**
 * DCMTK's storescp as a practice's PACS (AE `PACS`), on a loopback port chosen up front; stoppable and
 * restartable on the same port and folder.
 */
export class StorescpPacs {
  port = 0;
  private child: ChildProcess | null = null;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  async reservePort(): Promise<number> {
    this.port ||= await freePort();
    return this.port;
  }

  async start(): Promise<void> {
    await this.reservePort();
    // +xa: accept compressed syntaxes too, as a PACS does.
    this.child = spawn('storescp', ['-aet', 'PACS', '+xa', '-od', this.dir, String(this.port)], {
      env: dcmtkEnv,
      stdio: 'ignore',
    });
    await waitUntil(
      'storescp listening',
      async () => {
        await run('echoscu', ['-aet', 'PROBE', '-aec', 'PACS', '127.0.0.1', String(this.port)], {
          env: dcmtkEnv,
        });
        return true;
      },
      10_000,
      100,
    );
  }

  async stop(): Promise<void> {
    const p = this.child;
    this.child = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await exited;
  }

  files(): string[] {
    return readdirSync(this.dir).filter((f) => !f.startsWith('.'));
  }

  /** The file storescp wrote for one instance (it names each file after the SOP Instance UID). */
  fileOf(sopInstanceUid: string): string {
    const name = this.files().find((f) => f.endsWith(sopInstanceUid));
    if (!name) throw new Error(`no file for ${sopInstanceUid} at the PACS`);
    return path.join(this.dir, name);
  }

  /** SOP Instance UIDs of the files storescp wrote, read back with dcmdump. */
  async sopUids(): Promise<string[]> {
    const uids = await Promise.all(this.files().map((f) => dumpValue(path.join(this.dir, f), '0008,0018')));
    return uids.sort();
  }

  async waitForFiles(n: number, timeoutMs = 20_000): Promise<void> {
    await waitUntil(
      `${n} instances at the PACS`,
      () => Promise.resolve(this.files().length >= n),
      timeoutMs,
      100,
    );
  }
}
