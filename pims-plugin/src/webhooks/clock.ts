/**
 * Time as the webhook worker sees it. Injected so a test can live through a 24-hour outage in
 * milliseconds (`FakeClock`), while the plugin runs on the system clock.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` once, `ms` from now; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    // Node caps timers at 2^31-1 ms; longer waits are never needed here (retries are capped).
    const t = setTimeout(fn, Math.min(Math.max(0, ms), 2 ** 31 - 1));
    return () => clearTimeout(t);
  },
};
