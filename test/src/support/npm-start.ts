import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { repoRoot } from './managed-process.js';

/**
 * `npm start` as a user runs it, in its own process group so the whole tree can be stopped at the
 * end; its output collected.
 */
export class NpmStart {
  output = '';
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly env: Record<string, string>) {}

  start(): this {
    const child = spawn('npm', ['start', '--silent'], {
      cwd: repoRoot,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    child.stdout.setEncoding('utf8').on('data', (c: string) => (this.output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (this.output += c));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    return this;
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  /** The processes under `npm start`, with their command lines. */
  tree(): { pid: number; cmdline: string }[] {
    const all: { pid: number; cmdline: string }[] = [];
    const walk = (pid: number) => {
      const children: number[] = [];
      try {
        for (const task of readdirSync(`/proc/${pid}/task`)) {
          children.push(
            ...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
              .split(' ')
              .filter(Boolean)
              .map(Number),
          );
        }
      } catch {
        return; // gone meanwhile
      }
      for (const c of children) {
        let cmdline = '';
        try {
          cmdline = readFileSync(`/proc/${c}/cmdline`, 'utf8').replace(/\0/g, ' ');
        } catch {
          continue;
        }
        all.push({ pid: c, cmdline });
        walk(c);
      }
    };
    walk(this.pid);
    return all;
  }

  /** The process running `entry` (`agent/src/main.ts`, say). */
  pidOf(entry: string): number | undefined {
    return this.tree().find((p) => p.cmdline.includes(entry))?.pid;
  }

  /**
   * SIGTERM to the process group it leads (npm, the launcher and its parts), as a terminal's Ctrl-C
   * would; SIGKILL to the group if anything is left after 10 s. Resolves once every process of the
   * tree has gone.
   */
  async stop(): Promise<void> {
    if (this.pid <= 0) return;
    const group = (sig: NodeJS.Signals) => {
      try {
        process.kill(-this.pid, sig);
      } catch {
        // the group is gone
      }
    };
    const pids = [this.pid, ...this.tree().map((p) => p.pid)];
    group('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (pids.some(alive)) {
      if (Date.now() > deadline) group('SIGKILL');
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.exited;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
