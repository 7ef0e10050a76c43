/**
 * Text for consoles that only read ISO_IR 100 (Latin-1): characters Latin-1 has are kept, the
 * rest are replaced deterministically — the same input always gives the same output, so a name
 * typed on the console matches what the worklist showed. Replacement order:
 * 1. an explicit table for letters that have no decomposition (Ł, Đ, Œ, ı…) and typographic
 *    punctuation PIMS users type (’ “ ” – …);
 * 2. Unicode canonical decomposition with the combining marks removed (ř → r, Ș → S);
 * 3. anything left becomes `?`.
 */

const TABLE: Readonly<Record<string, string>> = {
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Ħ: 'H',
  ħ: 'h',
  ı: 'i',
  Ĳ: 'IJ',
  ĳ: 'ij',
  Ŀ: 'L',
  ŀ: 'l',
  ŉ: "'n",
  Ŋ: 'N',
  ŋ: 'n',
  Œ: 'OE',
  œ: 'oe',
  Ŧ: 'T',
  ŧ: 't',
  ſ: 's',
  ẞ: 'SS',
  Ə: 'E',
  ə: 'e',
  Ɖ: 'D',
  ɖ: 'd',
  ƒ: 'f',
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u201F': '"',
  '\u2033': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u2022': '*',
  '\u2039': '<',
  '\u203A': '>',
  '\u20AC': 'EUR',
  '\u2122': 'TM',
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2009': ' ',
  '\u202F': ' ',
};

const COMBINING_MARKS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

function replaceChar(ch: string): string {
  const fromTable = TABLE[ch];
  if (fromTable !== undefined) return fromTable;
  if (ch.charCodeAt(0) <= 0xff) return ch;
  const stripped = ch.normalize('NFD').replace(COMBINING_MARKS, '');
  // A decomposition may still contain a non-Latin-1 base (e.g. Cyrillic й → и): then give up.
  if (stripped !== '' && isLatin1(stripped)) return stripped;
  return '?';
}

/**
 * The Latin-1 rendering of `text`. Input is first composed (NFC) so a decomposed "u + ¨" that
 * Latin-1 can show as ü is kept as ü rather than stripped to u.
 */
export function toLatin1(text: string): string {
  // Fast path: almost every value is plain ASCII or Latin-1 already.
  if (isLatin1(text)) return text;
  let out = '';
  for (const ch of text.normalize('NFC')) out += replaceChar(ch);
  return out;
}
