import { normalizeText } from './text-values.js';
import { hasWildcard, isOnlyStars, wildcardRegExp } from './wildcard-pattern.js';

/**
 * Person Name matching. A PN is up to three component groups (alphabetic `=` ideographic `=`
 * phonetic) of five `^`-separated components. Matching is on whole groups — `SMITH` does not
 * match `Smith^Max` (single value matching is on the value, as in DCMTK; use `SMITH*` for a
 * family name) — but written forms that mean the same name compare equal:
 * - trailing empty components and groups are dropped (`Smith^Max^^^` is `Smith^Max`, and a key of
 *   only delimiters such as `^^^^`, which some consoles send for "any", is universal);
 * - spaces around components are dropped;
 * - Unicode is compared in NFC, and case-insensitively when configured (PS3.4 C.2.2.2.1 allows
 *   insensitivity to case for PN).
 * Each group the query gives is matched against the same group of the stored name; groups the
 * query leaves empty are not compared, so `Smith^Max` finds `Smith^Max=スミス^マックス`.
 */

const CARET = 0x5e;
const EQUALS = 0x3d;
const NEEDS_NORMALIZING = / [\^=]|[\^=] |[\^=]$/u;

export function normalizePersonName(value: string): string {
  // Most names have no delimiter next to a space or at the end: skip the RegExp for them.
  const last = value.charCodeAt(value.length - 1);
  if (last !== CARET && last !== EQUALS && !value.includes(' ')) return value;
  if (!NEEDS_NORMALIZING.test(value)) return value;
  const groups = value.split('=').map((group) => {
    const components = group.split('^').map((c) => c.trim());
    while (components.length > 0 && components[components.length - 1] === '') components.pop();
    return components.join('^');
  });
  while (groups.length > 0 && groups[groups.length - 1] === '') groups.pop();
  return groups.join('=');
}

/** A trimmed PN value as it is compared: normalised, NFC, folded when case does not matter. */
export function preparePersonName(value: string, caseInsensitive: boolean): string {
  const name = normalizePersonName(normalizeText(value));
  return caseInsensitive ? name.toLowerCase() : name;
}

/**
 * The test for one prepared PN key value, or undefined when every group it gives is universal
 * (empty, or only `*` when wildcards apply).
 */
export function personNameMatcher(
  key: string,
  wildcards: boolean,
): ((candidate: string) => boolean) | undefined {
  const groups: { index: number; test: (group: string) => boolean }[] = [];
  key.split('=').forEach((group, index) => {
    if (group === '' || (wildcards && isOnlyStars(group))) return;
    if (wildcards && hasWildcard(group)) {
      const pattern = wildcardRegExp(group);
      groups.push({ index, test: (g) => pattern.test(g) });
    } else groups.push({ index, test: (g) => g === group });
  });
  if (groups.length === 0) return undefined;
  const [first] = groups;
  if (groups.length === 1 && first?.index === 0) {
    // The common case, a name in the alphabetic group only: no need to split the candidate.
    const test = first.test;
    return (candidate) => {
      const end = candidate.indexOf('=');
      return test(end < 0 ? candidate : candidate.slice(0, end));
    };
  }
  return (candidate) => {
    const candidateGroups = candidate.split('=');
    return groups.every(({ index, test }) => {
      const group = candidateGroups[index];
      return group !== undefined && group !== '' && test(group);
    });
  };
}
