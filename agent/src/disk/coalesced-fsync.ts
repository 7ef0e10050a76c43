interface PathState {
  /** The fsync under way; it covers every entry changed before it started. */
  running: Promise<void> | null;
  /** The one fsync that follows it, shared by everyone who renamed while the first ran. */
  next: Promise<void> | null;
}

/**
 * Makes changes durable with as few fsyncs as possible. A caller that changed a file or renamed
 * into a folder needs one fsync of it that *starts* after its change; callers arriving while one
 * runs all wait for the same next one instead of one each — several instances of a study landing
 * in its folder at once, or several commits landing in the database's journal.
 */
export class CoalescedFsync {
  private readonly dirs = new Map<string, PathState>();

  constructor(private readonly fsync: (path: string) => Promise<void>) {}

  /** Resolves once every change made to `dir` before this call is on disk. */
  sync(dir: string): Promise<void> {
    let state = this.dirs.get(dir);
    if (!state) {
      state = { running: null, next: null };
      this.dirs.set(dir, state);
    }
    if (!state.running) return this.start(dir, state);
    // The running fsync may have started before our rename: wait for the one after it.
    state.next ??= state.running.then(
      () => this.start(dir, state),
      () => this.start(dir, state),
    );
    return state.next;
  }

  private start(dir: string, state: PathState): Promise<void> {
    state.next = null;
    const run = this.fsync(dir);
    state.running = run;
    const settle = (): void => {
      if (state.running !== run) return;
      state.running = null;
      if (!state.next) this.dirs.delete(dir);
    };
    run.then(settle, settle);
    return run;
  }
}
