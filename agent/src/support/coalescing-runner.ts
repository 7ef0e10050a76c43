/**
 * Runs a background pass on demand, one at a time: a kick while a pass runs asks for exactly one
 * more pass after it, however many kicks arrive. Workers that drain a table (delivery, forwarding)
 * are kicked after every stored instance and by a safety-net timer, and must neither overlap nor
 * miss what was added while they ran.
 */
export class CoalescingRunner {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private safetyNet: NodeJS.Timeout | undefined;

  constructor(private readonly pass: () => Promise<void>) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /**
   * Kicks now, and then every `intervalMs` until stopped: the safety net under the kicks that
   * follow each change, for a change that came without one (another process, a failed pass).
   */
  kickEvery(intervalMs: number): void {
    this.kick();
    clearInterval(this.safetyNet);
    this.safetyNet = setInterval(() => this.kick(), intervalMs);
    this.safetyNet.unref();
  }

  /** No new passes; waits for the one in flight, at most `timeoutMs` when given. */
  async stop(timeoutMs?: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.safetyNet);
    if (!this.running) return;
    if (timeoutMs === undefined) {
      await this.running;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
}
