import { describe, expect, it } from 'vitest';
import {
  PASSWORD_HASH_OPTIONS,
  hashParameters,
  hashPassword,
  needsRehash,
  verifyPassword,
} from './password-hash.js';

describe('password hashes', () => {
  it('are argon2id with the current cost written in the hash, and verify only the right password', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(hashParameters(stored)).toEqual({
      algorithm: 'argon2id',
      memoryCost: PASSWORD_HASH_OPTIONS.memoryCost,
      timeCost: PASSWORD_HASH_OPTIONS.timeCost,
      parallelism: 1,
    });
    expect(needsRehash(stored)).toBe(false);
    expect(await verifyPassword(stored, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse battery stapler')).toBe(false);
  });

  it('tell an older or foreign hash from a current one', () => {
    const salt = 'c29tZXNhbHRzb21lc2FsdA';
    const tag = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    expect(needsRehash(`$argon2id$v=19$m=19456,t=2,p=1$${salt}$${tag}`)).toBe(true);
    expect(needsRehash(`$argon2id$v=19$m=65536,t=3,p=1$${salt}$${tag}`)).toBe(true);
    expect(needsRehash(`$argon2i$v=19$m=65536,t=4,p=1$${salt}$${tag}`)).toBe(true);
    expect(needsRehash(`$argon2id$v=19$m=131072,t=4,p=1$${salt}$${tag}`)).toBe(false);
    expect(needsRehash('$scrypt$ln=15,r=8,p=1$abc$def')).toBe(true);
    expect(hashParameters('not a hash')).toBeNull();
  });

  it('do not verify against a malformed stored value', async () => {
    expect(await verifyPassword('garbage', 'anything at all')).toBe(false);
  });
});
