/**
 * A process's settings, or each problem with them on stderr as `lightbox <proc>: …` and exit code
 * 2: a service manager's log then says what to fix. Any other error is thrown on.
 */
export function settingsOrExit<C>(
  proc: string,
  load: () => C,
  SettingsError: abstract new (...args: never[]) => { lines: readonly string[] },
): C {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    for (const line of err.lines) process.stderr.write(`lightbox ${proc}: ${line}\n`);
    process.exit(2);
  }
}

/** Runs a process's `main`: a failure to start is one line on stderr and exit code 1. */
export function runMain(proc: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(
      `lightbox ${proc}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}
