import type { Logger } from '../log.js';
import type { Clock } from './clock.js';

export interface ReconcilerOptions {
  clock: Clock;
  log: Logger;
  /** Brings this instance's workers in line with the database. */
  pass: () => Promise<void>;
  /** How often a pass runs without being asked. */
  everyMs: number;
  /** Done after each timed pass that succeeded. */
  afterTimedPass?: () => void;
  /** What the log says when a pass failed: one asked for (`asked`), one on the timer (`timed`). */
  failed: { asked: string; timed: string };
}

/**
 * Runs a reconciling pass when asked and on a timer, one pass at a time, so two passes cannot both
 * start a worker for the same row. The webhook dispatcher and the connector supervisor each have
 * one; a pass that fails is logged and tried again at the next.
 */
export class Reconciler {
  private running: Promise<void> = Promise.resolve();
  private cancelTimer: () => void = () => {};
  private stopped = false;

  constructor(private readonly o: ReconcilerOptions) {}

  /** A pass after the one in progress; rejects when it fails. */
  run(): Promise<void> {
    this.running = this.running.catch(() => undefined).then(() => this.o.pass());
    return this.running;
  }

  /** A pass soon, not waited for: a failure is logged. */
  ask(): void {
    void this.run().catch((err: unknown) => {
      this.o.log.error(this.o.failed.asked, { err: err instanceof Error ? err.message : String(err) });
    });
  }

  /** Starts the timer. */
  start(): void {
    if (this.stopped) return;
    this.cancelTimer = this.o.clock.setTimer(() => {
      this.run()
        .then(() => this.o.afterTimedPass?.())
        .catch((err: unknown) => {
          this.o.log.error(this.o.failed.timed, { err: err instanceof Error ? err.message : String(err) });
        })
        .finally(() => this.start());
    }, this.o.everyMs);
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer();
    await this.running.catch(() => undefined);
  }
}
