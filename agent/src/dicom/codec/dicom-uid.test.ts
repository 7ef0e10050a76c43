import { describe, expect, it } from 'vitest';
import { isSafeUid, trimUid } from './dicom-uid.js';

describe('UIDs used in spool paths', () => {
  it('accepts ordinary UIDs up to 64 characters', () => {
    expect(isSafeUid('1.2.840.10008.5.1.4.1.1.1.1')).toBe(true);
    expect(isSafeUid('2.25.' + '1'.repeat(59))).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['parent traversal', '../../x'],
    ['absolute path', '/etc/passwd'],
    ['leading dot', '.1.2'],
    ['trailing dot', '1.2.'],
    ['double dot', '1..2'],
    ['letters', '1.2.abc'],
    ['backslash', '1\\2'],
    ['NUL inside', '1.2\u00003'],
    ['65 characters', '2.25.' + '1'.repeat(60)],
  ])('refuses %s', (_what, uid) => {
    expect(isSafeUid(uid)).toBe(false);
  });

  it('trims the NUL or space padding of UI values', () => {
    expect(trimUid('1.2.3\0')).toBe('1.2.3');
    expect(trimUid(' 1.2.3 ')).toBe('1.2.3');
    expect(trimUid(undefined)).toBe('');
  });
});
