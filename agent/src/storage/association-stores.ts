import type { StoreOutcome } from './store-status.js';

type Counts = Record<StoreOutcome['result'], number>;

/**
 * The C-STORE answers of one association, summed for the one log line it gets when it closes. At
 * info level a line per instance would be hundreds per CT series: each costs the event loop a
 * write while the modality waits for its next answer, and a day of them rotates the warnings a
 * field engineer looks for out of the log file. Each instance stays in the log at debug level.
 */
export class AssociationStores {
  callingAe = '';
  private counts: Counts | null = null;
  private bytes = 0;
  private readonly startedAt = performance.now();

  count(result: StoreOutcome['result'], bytes: number): void {
    this.counts ??= { stored: 0, duplicate: 0, conflict: 0, refused: 0, failed: 0 };
    this.counts[result]++;
    if (result === 'stored' || result === 'conflict') this.bytes += bytes;
  }

  /** The totals, once; undefined when nothing was answered (or they were taken already). */
  takeSummary(): (Counts & { callingAe: string; bytes: number; seconds: number }) | undefined {
    const counts = this.counts;
    if (!counts) return undefined;
    this.counts = null;
    return {
      callingAe: this.callingAe,
      ...counts,
      bytes: this.bytes,
      seconds: Math.round(performance.now() - this.startedAt) / 1000,
    };
  }
}
