/** How a subscriber that keeps failing is retried. */
export interface RetryPolicy {
  /** The wait after the first failure; each further failure doubles it … */
  backoffMinMs: number;
  /** … up to this. */
  backoffMaxMs: number;
  /** Counted from the first attempt at an event; past it the subscription is marked failed. */
  retryForMs: number;
}

/**
 * The wait before the next attempt after `failedAttempts` failures in a row: exponential, capped,
 * with "equal jitter" — half fixed, half random — so the waits still grow while many subscriptions
 * failing at once (the PIMS is down) do not all come back in the same instant.
 */
export function retryDelayMs(
  failedAttempts: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failedAttempts, 1) - 1, 40);
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffMinMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export type RetryPlan = { giveUp: false; at: number } | { giveUp: true };

/**
 * After a failed attempt at `now`: when to try again, or to give up because the retry period that
 * began with the event's first attempt is over. The last attempt falls on the period's end, so a
 * subscriber that is back just before the deadline is not missed.
 */
export function planRetry(
  failedAttempts: number,
  firstAttemptAt: number,
  now: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): RetryPlan {
  const deadline = firstAttemptAt + policy.retryForMs;
  if (now >= deadline) return { giveUp: true };
  return { giveUp: false, at: Math.min(now + retryDelayMs(failedAttempts, policy, random), deadline) };
}
