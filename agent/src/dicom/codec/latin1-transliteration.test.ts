import { describe, expect, it } from 'vitest';
import { toLatin1 } from './latin1-transliteration.js';

describe('toLatin1', () => {
  it.each([
    ['keeps what Latin-1 has', 'Müller^Ñandú', 'Müller^Ñandú'],
    ['keeps what Latin-1 has', 'Øresund Æble ß', 'Øresund Æble ß'],
    ['keeps what Latin-1 has', 'plain ASCII', 'plain ASCII'],
    ['maps letters without a decomposition through the table', 'Łukasz łoś', 'Lukasz los'],
    ['maps letters without a decomposition through the table', 'Œuvre œuf', 'OEuvre oeuf'],
    ['maps letters without a decomposition through the table', 'Đorđe', 'Dorde'],
    ['strips combining marks from other accented letters', 'Dvořák', 'Dvorák'],
    ['strips combining marks from other accented letters', 'Ștefan Țiriac', 'Stefan Tiriac'],
    ['strips combining marks from other accented letters', 'Gül Şahin Ğ', 'Gül Sahin G'],
    ['composes first, so a decomposed ü stays ü', 'Mu\u0308ller', 'Müller'],
    ['replaces typographic punctuation PIMS users type', 'O’Brien – “Rex”…', 'O\'Brien - "Rex"...'],
    ['turns anything else into ?', 'Иван', '????'],
    ['turns anything else into ?', '犬', '?'],
    ['turns anything else into ?', 'Rex 🐕', 'Rex ?'],
  ])('%s: %s → %s', (_rule, input, latin1) => {
    expect(toLatin1(input)).toBe(latin1);
  });

  it('is deterministic and idempotent', () => {
    const once = toLatin1('Łucja Dvořák 🐈 Œ');
    expect(toLatin1('Łucja Dvořák 🐈 Œ')).toBe(once);
    expect(toLatin1(once)).toBe(once);
    for (const ch of once) expect(ch.charCodeAt(0)).toBeLessThanOrEqual(0xff);
  });
});
