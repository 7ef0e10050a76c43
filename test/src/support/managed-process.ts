import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LogCode as AgentLogCode } from '@lightbox/agent/log-codes';
import type { LogCode as PluginLogCode } from '@lightbox/pims-plugin/log-codes';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The codes the processes put on the log lines someone may act on: their log's typed API. */
export type LogCode = AgentLogCode | PluginLogCode;

export interface LogLine {
  t?: string;
  level?: string;
  code?: string;
  msg?: string;
  receivedAt: number;
  raw: string;
  [key: string]: unknown;
}

const run = promisify(execFile);

/**
 * One agent command as `npm run agent -- <args>` runs it (the bundled entry point), with `env` added
 * to this process's environment; rejects, with stdout and stderr on the error, when it exits non-zero.
 */
export function runAgentCommand(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 0,
): Promise<{ stdout: string; stderr: string }> {
  return run(
    process.execPath,
    [path.join(repoRoot, 'scripts/run-bundled.mjs'), path.join(repoRoot, 'agent/src/main.ts'), ...args],
    { cwd: repoRoot, env: { ...process.env, ...env }, timeout: timeoutMs },
  );
}

/**
 * A Lightbox process as a test drives it: started from its real entry point, its JSON log lines
 * collected, killable with any signal and restartable with the same settings.
 */
export class ManagedProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  /** How many times the process was spawned. */
  starts = 0;
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  private waiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly entry: string,
    public env: Record<string, string>,
    private readonly args: string[] = [],
  ) {}

  start(): this {
    const child = spawn(
      process.execPath,
      // The way `npm start` runs it: bundled, without a TypeScript loader in the process.
      [path.join(repoRoot, 'scripts', 'run-bundled.mjs'), path.join(repoRoot, this.entry), ...this.args],
      {
        cwd: repoRoot,
        env: { ...process.env, ...this.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    this.starts++;
    let buf = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const raw = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          // a human line, e.g. the generated API key banner
        }
        this.lines.push({ ...parsed, raw, receivedAt: Date.now() });
      }
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    return this;
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(sig: NodeJS.Signals): void {
    this.child?.kill(sig);
  }

  async kill(sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child!.kill(sig);
    await this.exited;
  }

  /** Graceful stop, then SIGKILL if it does not go within a few seconds. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const t = setTimeout(() => this.child?.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(t);
  }

  async restart(): Promise<void> {
    await this.kill('SIGKILL');
    this.start();
  }

  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  /**
   * Resolves with the first log line (from index `from` on) carrying `code` and, when given,
   * satisfying `where` on its structured fields. Never on a line's wording: that is for people.
   */
  async waitForCode(
    code: LogCode,
    opts: { where?: (l: LogLine) => boolean; timeoutMs?: number; from?: number } = {},
  ): Promise<LogLine> {
    const { where = () => true, timeoutMs = 15_000, from = 0 } = opts;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find((l) => l.code === code && where(l));
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) {
        const tail = this.lines
          .slice(-15)
          .map((l) => l.raw)
          .join('\n');
        throw new Error(
          `${this.name}: no log line with code ${code} within ${timeoutMs} ms. Last lines:\n${tail}\n${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The log lines (from index `from` on) carrying `code`. */
  linesWith(code: LogCode, from = 0): LogLine[] {
    return this.lines.slice(from).filter((l) => l.code === code);
  }
}

export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${lastErr instanceof Error ? `: ${lastErr.message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
