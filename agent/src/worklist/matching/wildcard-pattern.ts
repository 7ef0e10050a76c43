/**
 * Wild Card Matching (PS3.4 C.2.2.2.4): `*` matches any run of characters, the empty one included,
 * and `?` exactly one character. A pattern is turned into a RegExp once per query, not per item.
 */

export function hasWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

/**
 * A value of nothing but `*` is Universal Matching (PS3.4 C.2.2.2.4 note; DCMTK agrees, even on
 * keys it otherwise matches as single values, because it asks before knowing the key).
 */
export function isOnlyStars(value: string): boolean {
  if (value === '') return false;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) !== 0x2a) return false;
  return true;
}

/** Characters that mean something in a unicode-mode RegExp; only these may (and must) be escaped. */
const SYNTAX = /[\\^$.*+?()[\]{}|/]/u;

/**
 * The RegExp for a wildcard pattern, anchored at both ends. Unicode mode makes `?` one code point
 * (an `ł` or a CJK character), and dotAll lets `*` span line breaks in LT values. Case folding is
 * the caller's business: it folds pattern and candidate the same way before comparing.
 */
export function wildcardRegExp(pattern: string): RegExp {
  let source = '';
  let lastWasStar = false;
  for (const ch of pattern) {
    if (ch === '*') {
      // `**` means `*`; collapsing them keeps the RegExp from backtracking needlessly.
      if (!lastWasStar) source += '.*';
      lastWasStar = true;
      continue;
    }
    lastWasStar = false;
    if (ch === '?') source += '.';
    else source += SYNTAX.test(ch) ? `\\${ch}` : ch;
  }
  return new RegExp(`^${source}$`, 'su');
}
