import { spawn, type ChildProcess } from 'node:child_process';

/** What a part's exit code 2 means: a bad setting. Restarting cannot help; the launcher stops. */
export const EXIT_BAD_SETTINGS = 2;

export interface BackoffSettings {
  /** The first wait before a restart; it doubles with each crash in a row. */
  minMs: number;
  maxMs: number;
  /** Up this long, a part counts as healthy again: its next crash waits `minMs` again. */
  healthyAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { minMs: 500, maxMs: 30_000, healthyAfterMs: 60_000 };

/**
 * One process of `npm start` (the plugin or the agent), restarted when it dies — a crash, an
 * out-of-memory kill, a SIGKILL — with a growing wait between crashes in a row, each restart said
 * on stderr. The other part keeps serving meanwhile: both keep their state in their own files and
 * the agent relinks by itself, so crash and restart is their normal way back.
 */
export class SupervisedPart {
  private child: ChildProcess | null = null;
  private stopping = false;
  private crashesInARow = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  /** How many times it was started. */
  starts = 0;

  constructor(
    readonly name: string,
    private readonly command: { file: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string },
    /** Told when the part exits for a reason a restart cannot fix. */
    private readonly onFatal: (code: number) => void,
    private readonly backoff: BackoffSettings = DEFAULT_BACKOFF,
  ) {}

  start(): void {
    this.startedAt = Date.now();
    this.starts++;
    const child = spawn(this.command.file, this.command.args, {
      cwd: this.command.cwd,
      env: this.command.env,
      stdio: 'inherit',
    });
    this.child = child;
    child.on('exit', (code, signal) => this.exited(code, signal));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.child = null;
    if (this.stopping) return;
    const how = signal ?? `exit ${code}`;
    if (code === EXIT_BAD_SETTINGS) {
      process.stderr.write(`lightbox: the ${this.name} refused its settings (${how}); stopping everything\n`);
      this.onFatal(code);
      return;
    }
    if (Date.now() - this.startedAt >= this.backoff.healthyAfterMs) this.crashesInARow = 0;
    const waitMs = Math.min(this.backoff.maxMs, this.backoff.minMs * 2 ** this.crashesInARow);
    this.crashesInARow++;
    process.stderr.write(
      `lightbox: the ${this.name} stopped (${how}); restarting it in ${waitMs} ms` +
        ` (crash ${this.crashesInARow} in a row); the rest keeps running\n`,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping) this.start();
    }, waitMs);
  }

  /** SIGTERM, and resolves once it has exited (SIGKILL after `graceMs`). */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(kill);
  }
}
