import { statfs } from 'node:fs/promises';
import type { Logger } from '../log.js';
import { CoalescingRunner } from '../support/coalescing-runner.js';
import { LogCode } from '../log-codes.js';

export type DiskState = 'low' | 'ok';

export interface DiskGuardOptions {
  /** The spool folder: where received instances are written. */
  dir: string;
  /** Below this many free bytes C-STOREs are refused. */
  minFreeBytes: number;
  log: Logger;
  /** Told of each change of state, and of the first check when the disk is already low. */
  onChange?: (state: DiskState, freeBytes: number) => void;
  /** How often free space is read besides after each stored instance. */
  checkEveryMs?: number;
  /** Free bytes available to this process in `dir`; statfs by default. */
  freeBytes?: (dir: string) => Promise<number>;
}

/**
 * Keeps the spool from filling the modality PC's disk. A C-STORE is refused with A700 before a byte
 * of it is written once free space is below the threshold, rather than failing half way with a
 * partial file and a console that retries forever. It clears only at 10% above the threshold, so a
 * disk hovering at the limit does not flap between refusing and accepting (and raise an event each
 * time). The worklist and MPPS are not guarded: their journal writes are tiny, and a modality must
 * still be able to finish the study it started.
 */
export class DiskGuard {
  private state: DiskState = 'ok';
  private free = Number.POSITIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  /** Bytes stored since the last reading began: how far the free space may have fallen since. */
  private written = 0;
  private readonly runner = new CoalescingRunner(() => this.read());

  constructor(private readonly opts: DiskGuardOptions) {}

  get low(): boolean {
    return this.state === 'low';
  }

  get freeBytes(): number {
    return this.free;
  }

  get minFreeBytes(): number {
    return this.opts.minFreeBytes;
  }

  /** Reads the free space once now; then every `checkEveryMs` and whenever `kick`ed. */
  async start(): Promise<void> {
    await this.read();
    this.timer = setInterval(() => this.kick(), this.opts.checkEveryMs ?? 2_000);
    this.timer.unref();
  }

  /** Something was written or removed: read the free space again soon. */
  kick(): void {
    this.runner.kick();
  }

  /**
   * `bytes` were just stored. Free space is read again only once what was stored since the last
   * reading could have used half the headroom above the threshold: a statfs per instance was one
   * more trip through the thread pool for every CT slice, queued with the fsyncs the modality
   * waits for, while the disk had gigabytes to spare. The interval reads in any case.
   */
  noteWritten(bytes: number): void {
    this.written += bytes;
    if (this.written * 2 >= this.free - this.opts.minFreeBytes) this.kick();
  }

  /** Reads now and resolves with the state after it. */
  async check(): Promise<DiskState> {
    await this.read();
    return this.state;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.runner.stop();
  }

  /** The Error Comment of a refused C-STORE: LO, at most 64 characters. */
  refusalComment(): string {
    return `disk full: ${mb(this.free)} MB free, ${mb(this.opts.minFreeBytes)} MB needed`;
  }

  private async read(): Promise<void> {
    let free: number;
    // What is stored from here on may be missing from this reading: counted towards the next.
    const counted = this.written;
    try {
      free = await (this.opts.freeBytes ?? statfsFree)(this.opts.dir);
    } catch (err) {
      this.opts.log.warn('could not read free disk space', {
        dir: this.opts.dir,
        err: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    this.free = free;
    this.written -= counted;
    const min = this.opts.minFreeBytes;
    const next: DiskState =
      this.state === 'ok' ? (free < min ? 'low' : 'ok') : free >= min * 1.1 ? 'ok' : 'low';
    if (next === this.state) return;
    this.state = next;
    if (next === 'low') {
      this.opts.log.error('disk space low: refusing C-STORE until space is freed', {
        code: LogCode.diskSpaceLow,
        dir: this.opts.dir,
        freeMb: mb(free),
        minFreeMb: mb(min),
      });
    } else {
      this.opts.log.info('disk space recovered: accepting C-STORE again', {
        dir: this.opts.dir,
        freeMb: mb(free),
        minFreeMb: mb(min),
      });
    }
    this.opts.onChange?.(next, free);
  }
}

async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

function mb(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}
