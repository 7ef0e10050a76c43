import type { Clock } from './clock.js';

/** What a loop does after a step: go on at once, wait for a wake, wait until a time (or a wake), or end. */
export type LoopNext = { kind: 'now' } | { kind: 'idle' } | { kind: 'until'; at: number } | { kind: 'stop' };

/** After an unexpected error (the database unreachable, a bug), wait this long before trying again. */
const ERROR_PAUSE_MS = 1_000;

/**
 * A worker that repeats one step until stopped, sleeping between steps for as long as the step
 * asks; `wake()` cuts a sleep short. The webhook subscriptions and the connectors' outbound
 * queues each run one. All their state is in the database, so the loop holds none a restart loses.
 */
export abstract class StepLoop {
  private stopped = false;
  private woken = false;
  private interrupt: (() => void) | null = null;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly clock: Clock) {}

  /** One unit of work; the loop waits as it answers. */
  protected abstract step(): Promise<LoopNext>;

  /** Told of a step that threw; the loop pauses, then steps again. */
  protected abstract stepFailed(err: unknown): void;

  /** Called once the loop has ended, whether stopped or finished. */
  protected exited(): void {}

  /** True once `stop()` was called: a step in progress should not start new work. */
  protected get stopping(): boolean {
    return this.stopped;
  }

  start(): void {
    this.done = this.run().finally(() => this.exited());
  }

  /**
   * There may be new work. A wait whose time has not come is waited for again by the next step, so
   * this never shortens a backoff that step still asks for.
   */
  wake(): void {
    this.woken = true;
    this.interrupt?.();
  }

  /** Lets a step in flight finish, then ends. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt?.();
    await this.done;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let next: LoopNext;
      // Cleared before the step reads, so work committed while it runs wakes the next one.
      this.woken = false;
      try {
        next = await this.step();
      } catch (err) {
        this.stepFailed(err);
        next = { kind: 'until', at: this.clock.now() + ERROR_PAUSE_MS };
      }
      if (next.kind === 'stop') return;
      if (next.kind !== 'now') await this.wait(next);
    }
  }

  private wait(next: { kind: 'idle' } | { kind: 'until'; at: number }): Promise<void> {
    if (this.stopped || this.woken) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let cancelTimer = () => {};
      const finish = () => {
        cancelTimer();
        this.interrupt = null;
        resolve();
      };
      if (next.kind === 'until') cancelTimer = this.clock.setTimer(finish, next.at - this.clock.now());
      this.interrupt = finish;
    });
  }
}
