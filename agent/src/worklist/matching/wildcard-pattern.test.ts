import { describe, expect, it } from 'vitest';
import { isOnlyStars, wildcardRegExp } from './wildcard-pattern.js';

describe('wildcard patterns', () => {
  it.each<[string, string, boolean]>([
    ['a*c', 'abbbc', true],
    ['a*c', 'ac', true],
    ['a?c', 'ac', false],
    ['a??c', 'a-/c', true],
    ['***', '', true],
    ['a**b', 'a*b', true],
    ['(x)', '(x)', true],
    ['[x]', 'x', false],
    ['a.c', 'abc', false],
    ['a+b', 'aab', false],
    ['^a$', '^a$', true],
    ['a|b', 'a', false],
    ['a{2}', 'aa', false],
    ['a\\b', 'a\\b', true],
    ['a-b/c', 'a-b/c', true],
    ['?ukasz', 'łukasz', true],
    ['*', 'line\nbreak', true],
  ])('%j against %j: %s', (pattern, value, expected) => {
    expect(wildcardRegExp(pattern).test(value)).toBe(expected);
  });

  it('knows a value of only stars', () => {
    expect(['*', '***'].map(isOnlyStars)).toEqual([true, true]);
    expect(['', '*a', '?'].map(isOnlyStars)).toEqual([false, false, false]);
  });
});
