import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitUntil } from '../src/support/managed-process.js';
import { freePort } from '../src/support/ports.js';

const run = promisify(execFile);

/** Nagle off for every DCMTK peer: Debian's build leaves it on and small PDUs would wait ~40 ms. */
const dcmtkEnv = { ...process.env, TCP_NODELAY: '1' };

/**
 * Wall time of one DCMTK client run, from spawn to exit. Its output goes nowhere, so printing
 * thousands of responses never sets the pace; a non-zero exit (no association) is an error.
 */
export function timedRun(cmd: string, args: string[], timeoutMs = 60_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env: dcmtkEnv, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`${cmd} ${args.join(' ')} ended with ${code ?? signal}`));
    });
  });
}

export const findArgs = (port: number, calledAe: string, queryFile: string): string[] => [
  '-q',
  '-W',
  '-aec',
  calledAe,
  '127.0.0.1',
  String(port),
  queryFile,
];

export const echoArgs = (port: number, calledAe: string): string[] => [
  '-q',
  '-aec',
  calledAe,
  '127.0.0.1',
  String(port),
];

/**
 * The untimed check beside the timed runs: the same query, verbose, counting the pending responses
 * findscu received and reading the final status it reports.
 */
export async function findAnswer(
  port: number,
  calledAe: string,
  queryFile: string,
): Promise<{ pending: number; final: string }> {
  const args = ['-v', ...findArgs(port, calledAe, queryFile).slice(1)];
  const { stdout, stderr } = await run('findscu', args, { env: dcmtkEnv, maxBuffer: 512 * 1024 * 1024 });
  const text = stdout + stderr;
  return {
    pending: (text.match(/^I: Find Response: \d+ \(Pending/gm) ?? []).length,
    final: /Received Final Find Response \(([^)]*)\)/.exec(text)?.[1] ?? 'none',
  };
}

/** Writes a query data set from dcmdump-style text with DCMTK's `dump2dcm`. */
export async function queryFile(dir: string, name: string, dump: string): Promise<string> {
  const txt = path.join(dir, `${name}.dump`);
  const dcm = path.join(dir, `${name}.dcm`);
  writeFileSync(txt, dump);
  await run('dump2dcm', ['-q', txt, dcm], { env: dcmtkEnv });
  return dcm;
}

/**
 * DCMTK's file-based worklist SCP on loopback, serving `<root>/<called AE>/*.wl`. Single-process
 * mode, so each query is measured without a fork; no reverse DNS lookup of the caller.
 */
export class Wlmscpfs {
  port = 0;
  private child: ChildProcess | null = null;
  private stderr = '';

  constructor(
    private readonly root: string,
    /** It refuses an association for an AE title it has no folder for, so readiness asks as this one. */
    private readonly calledAe: string,
  ) {}

  async start(): Promise<void> {
    this.port = await freePort();
    const child = spawn(
      'wlmscpfs',
      ['--single-process', '-dhl', '--keep-char-set', '-dfp', this.root, String(this.port)],
      { env: dcmtkEnv, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-4_000);
    });
    try {
      await waitUntil(
        'wlmscpfs listening',
        async () => (await timedRun('echoscu', echoArgs(this.port, this.calledAe), 5_000)) > 0,
        10_000,
        100,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.stderr}`);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(t);
  }
}
