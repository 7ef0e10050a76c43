import { createHash, randomBytes } from 'node:crypto';

/** Keys and tokens are random with 256 bits, so a plain SHA-256 is a sufficient stored form. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function mintSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function mintId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;
}
