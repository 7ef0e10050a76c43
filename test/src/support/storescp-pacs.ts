import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { waitUntil } from './managed-process.js';
import { freePort } from './ports.js';
import { dcmtkEnv } from './storage-peers.js';

const run = promisify(execFile);

/** DCMTK's storescp as a practice's PACS (AE `PACS`), on a loopback port chosen up front. */
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
}
