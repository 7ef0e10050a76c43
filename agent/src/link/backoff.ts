/**
 * Capped exponential backoff with jitter: half the delay is fixed, half random, so a clinic's
 * agents spread out after an outage yet each still waits longer after every failure.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + random() * (cap / 2));
}
