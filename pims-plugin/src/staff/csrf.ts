import { timingSafeEqual } from 'node:crypto';

/** The hidden field every state-changing form carries. */
export const CSRF_FIELD = '_csrf';

/** Whether a posted token is the session's own, compared in constant time. */
export function csrfTokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
