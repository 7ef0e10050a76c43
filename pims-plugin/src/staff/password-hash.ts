import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with OWASP's first recommended setting (19 MiB, 2 passes, one lane): about 100 ms on a
 * small clinic server — slow for a guesser, no burden for a person, and 10 sign-ins at once stay
 * within 200 MiB. The parameters are stored in each hash, so raising them later needs no migration.
 */
export const PASSWORD_HASH_OPTIONS = {
  // Algorithm.Argon2id: a const enum, which isolated modules cannot read by name.
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
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

let dummy: Promise<string> | null = null;

/**
 * Spends the time of one verification for a username that does not exist, so the answer's timing
 * does not tell which usernames do.
 */
export async function verifyNobody(password: string): Promise<void> {
  dummy ??= hashPassword('lightbox-no-such-account');
  await verifyPassword(await dummy, password);
}
