import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Ingest first, then catch up. A technician waits at the console for every C-STORE answer; the vet
 * opens the chart seconds later. So while instances arrive, rendering and delivery (CPU, and
 * journal commits that the Storage SCP's own commits would queue behind) stay out of the way, and
 * start as soon as storage pauses — with a bound: an instance waits at most `maxDelayMs` from its
 * arrival, so a burst that never pauses still gets its thumbnails, that many seconds behind.
 */
export class IngestActivity {
  private lastStoreAt = -Infinity;

  constructor(
    /** No C-STORE for this long counts as a pause (consoles send the next image within ms). */
    readonly quietMs: number,
    readonly maxDelayMs: number,
  ) {}

  /** A C-STORE started or was answered. Called once or twice per instance: kept to a clock read. */
  noteStore(): void {
    this.lastStoreAt = performance.now();
  }

  get storing(): boolean {
    return performance.now() - this.lastStoreAt < this.quietMs;
  }

  /**
   * Resolves once storage has paused, or when the instance that arrived at `arrivedAt` (epoch ms)
   * has waited `maxDelayMs`, whichever comes first; says which. `stopped` ends the wait early.
   */
  async settle(arrivedAt: number, stopped: () => boolean = () => false): Promise<'quiet' | 'deadline'> {
    const deadline = arrivedAt + this.maxDelayMs;
    for (;;) {
      if (stopped()) return 'quiet';
      const quietIn = this.lastStoreAt + this.quietMs - performance.now();
      if (quietIn <= 0) return 'quiet';
      const deadlineIn = deadline - Date.now();
      if (deadlineIn <= 0) return 'deadline';
      await sleep(Math.max(5, Math.min(quietIn, deadlineIn)));
    }
  }
}
