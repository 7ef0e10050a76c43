import { describe, expect, it } from 'vitest';
import { toLatin1 } from './latin1-transliteration.js';

describe('toLatin1', () => {
  it('keeps what Latin-1 has', () => {
    expect(toLatin1('Müller^Ñandú')).toBe('Müller^Ñandú');
    expect(toLatin1('Øresund Æble ß')).toBe('Øresund Æble ß');
    expect(toLatin1('plain ASCII')).toBe('plain ASCII');
  });

  it('maps letters without a decomposition through the table', () => {
    expect(toLatin1('Łukasz łoś')).toBe('Lukasz los');
    expect(toLatin1('Œuvre œuf')).toBe('OEuvre oeuf');
    expect(toLatin1('Đorđe')).toBe('Dorde');
  });

  it('strips combining marks from other accented letters', () => {
    expect(toLatin1('Dvořák')).toBe('Dvorák');
    expect(toLatin1('Ștefan Țiriac')).toBe('Stefan Tiriac');
    expect(toLatin1('Gül Şahin Ğ')).toBe('Gül Sahin G');
  });

  it('composes first, so a decomposed ü stays ü', () => {
    expect(toLatin1('Mu\u0308ller')).toBe('Müller');
  });

  it('replaces typographic punctuation PIMS users type', () => {
    expect(toLatin1('O’Brien – “Rex”…')).toBe('O\'Brien - "Rex"...');
  });

  it('turns anything else into ?', () => {
    expect(toLatin1('Иван')).toBe('????');
    expect(toLatin1('犬')).toBe('?');
    expect(toLatin1('Rex 🐕')).toBe('Rex ?');
  });

  it('is deterministic and idempotent', () => {
    const once = toLatin1('Łucja Dvořák 🐈 Œ');
    expect(toLatin1('Łucja Dvořák 🐈 Œ')).toBe(once);
    expect(toLatin1(once)).toBe(once);
    for (const ch of once) expect(ch.charCodeAt(0)).toBeLessThanOrEqual(0xff);
  });
});
