import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id at 64 MiB and 4 passes, one lane: about 100 ms of CPU per verification on the 2-core server
 * this runs on when it is quiet (19 MiB × 2 measured 12 ms, too cheap for a guesser). Hashing runs
 * on libuv's thread pool (4 threads by default), so a flood of sign-ins holds at most 256 MiB and
 * queues behind it rather than exhausting memory. The parameters travel in each hash, so hashes
 * made with older ones still verify.
 */
export const PASSWORD_HASH_OPTIONS = {
  // Algorithm.Argon2id: a const enum, which isolated modules cannot read by name.
  algorithm: 2,
  memoryCost: 65_536,
  timeCost: 4,
  parallelism: 1,
} as const;

export const MIN_PASSWORD_CHARS = 12;
/** Longer input is refused before hashing: a megabyte password must not cost a megabyte of work. */
export const MAX_PASSWORD_CHARS = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** The cost parameters written in a PHC-format argon2 hash (`$argon2id$v=19$m=…,t=…,p=…$…`). */
export function hashParameters(
  stored: string,
): { algorithm: string; memoryCost: number; timeCost: number; parallelism: number } | null {
  const m = /^\$(argon2(?:id|i|d))\$(?:v=\d+\$)?m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
  if (!m) return null;
  return { algorithm: m[1]!, memoryCost: Number(m[2]), timeCost: Number(m[3]), parallelism: Number(m[4]) };
}

/**
 * True when a stored hash is weaker than (or of another kind than) what hashPassword makes today.
 * Only a hash below the current cost counts: one made stronger by hand is left as it is.
 */
export function needsRehash(stored: string): boolean {
  const p = hashParameters(stored);
  if (!p) return true;
  return (
    p.algorithm !== 'argon2id' ||
    p.memoryCost < PASSWORD_HASH_OPTIONS.memoryCost ||
    p.timeCost < PASSWORD_HASH_OPTIONS.timeCost
  );
}

let dummy: Promise<string> | null = null;

/**
 * Spends the time of one verification for a username that does not exist, so the answer's timing
 * does not tell which usernames do.
 */
export async function verifyNobody(password: string): Promise<void> {
  dummy ??= hashPassword('lightbox-no-such-account');
  await verifyPassword(await dummy, password);
}
