import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'secret-box-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes an owner-only key file once and opens what it sealed after a restart', () => {
    const sealed = SecretBox.open(undefined, dir).seal('whsec_0123456789abcdef', 'webhook:wh_1');
    expect(sealed).not.toContain('whsec');
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    const key = readFileSync(path.join(dir, 'secret.key'), 'utf8');
    const reopened = SecretBox.open(undefined, dir);
    expect(readFileSync(path.join(dir, 'secret.key'), 'utf8')).toBe(key);
    expect(reopened.unseal(sealed, 'webhook:wh_1')).toBe('whsec_0123456789abcdef');
  });

  it('refuses a value sealed for another row, another key or tampered with', () => {
    const box = SecretBox.withKey(Buffer.alloc(32, 7));
    const sealed = box.seal('s3cret-s3cret-s3cret', 'webhook:wh_1');
    expect(() => box.unseal(sealed, 'webhook:wh_2')).toThrow(/cannot be opened/);
    expect(() => SecretBox.withKey(Buffer.alloc(32, 8)).unseal(sealed, 'webhook:wh_1')).toThrow(
      /cannot be opened/,
    );
    // One bit of the ciphertext changed (in its bytes: a base64 character can end in unused bits).
    const [prefix, iv, body] = sealed.split('.');
    const bytes = Buffer.from(body!, 'base64url');
    bytes[0]! ^= 1;
    const flipped = `${prefix}.${iv}.${bytes.toString('base64url')}`;
    expect(() => box.unseal(flipped, 'webhook:wh_1')).toThrow(/cannot be opened/);
    expect(() => box.unseal('plain-text-secret')).toThrow(/sealed format/);
  });

  it('never seals the same secret to the same text twice', () => {
    const box = SecretBox.withKey(Buffer.alloc(32, 1));
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });
});
