import { describe, expect, it } from 'vitest';
import { FILTER_REGEX_LIMITS, checkFilterRegex } from '../../../src/core/filter-rules.js';

const accepted = (pattern: string, flags = 'i') => {
  const check = checkFilterRegex(pattern, flags);
  if (!check.ok) throw new Error(`refused ${pattern}: ${check.reason}`);
  return check;
};
const reason = (pattern: string, flags = 'i'): string => {
  const check = checkFilterRegex(pattern, flags);
  if (check.ok) throw new Error(`accepted ${pattern}`);
  return check.reason;
};

describe('filter regex safety check', () => {
  it('accepts ordinary patterns and reports their longest match', () => {
    expect(accepted('\\b\\d{3}-\\d{2}-\\d{4}\\b').maxLength).toBe(11);
    expect(accepted('secret (?:plan|project)').maxLength).toBe(14);
    expect(accepted('[a-z]{2,5}@corp').maxLength).toBe(10);
    expect(accepted('colou?r').maxLength).toBe(6);
    expect(accepted('(?<word>ab){1,3}x').maxLength).toBe(7);
  });

  it('rewrites unbounded quantifiers to bounded ones, lazy ones included', () => {
    const repeat = FILTER_REGEX_LIMITS.maxRepeat;
    expect(accepted('foo\\s+bar').source).toBe(`foo\\s{1,${1 + repeat}}bar`);
    expect(accepted('a.*?b').source).toBe(`a.{0,${repeat}}?b`);
    expect(accepted('x{2,}y').source).toBe(`x{2,${2 + repeat}}y`);
    expect(accepted('foo\\s+bar').maxLength).toBe(6 + 1 + repeat);
    // Escaped characters and classes that look like quantifiers are left alone.
    expect(accepted('a\\*[+*]b').source).toBe('a\\*[+*]b');
  });

  it('counts a code point as two code units in Unicode mode', () => {
    expect(accepted('\\p{L}{3}', 'iu').maxLength).toBe(6);
    expect(accepted('.{3}', 'i').maxLength).toBe(3);
  });

  it.each([
    ['(a+)+b', /repeated group/],
    ['(a|ab)*c', /repeated group/],
    ['(?:x?y){2,}', /repeated group/],
    ['(a)\\1', /backreferences/],
    ['(?<n>a)\\k<n>', /backreferences/],
    ['foo(?=bar)', /lookahead/],
    ['(?<!x)foo', /lookbehind/],
    ['^foo', /anchors/],
    ['foo$', /anchors/],
    ['a*', /empty string/],
    ['(?:)', /empty string/],
    ['a{2000}', /more than 1024/],
    ['\\d+\\d+\\d+\\d+', /backtracking/],
    ['(?i:foo)', /inline modifiers|valid JavaScript/], // a syntax error before Node 23
    ['[unclosed', /valid JavaScript/],
    ['x'.repeat(600), /longer than 512/],
  ])('refuses %s', (pattern, why) => {
    expect(reason(pattern)).toMatch(why);
  });

  it('refuses flags other than i, s and u, and repeated flags', () => {
    expect(reason('foo', 'g')).toMatch(/flags/);
    expect(reason('foo', 'ii')).toMatch(/flags/);
    expect(reason('foo', 'm')).toMatch(/flags/);
    expect(accepted('foo', '').flags).toBe('');
    expect(accepted('foo', 'isu').flags).toBe('isu');
  });

  it('allows a repeated group whose content is fixed, and an optional group with a quantifier', () => {
    expect(accepted('(?:ab){1,4}').maxLength).toBe(8);
    expect(accepted('(?:a+b)?c').ok).toBe(true);
  });

  it('every accepted pattern runs in bounded time on 100 KB of adversarial text', () => {
    const patterns = [
      'foo\\s+bar\\s+baz',
      '\\w+@\\w+\\.com',
      '(?:ab){1,30}c',
      '[a-z]+[0-9]+[a-z]+x',
      'a.*b.*c',
      '\\d{1,10}\\d{1,10}\\d{1,10}z',
    ];
    for (const pattern of patterns) {
      const check = accepted(pattern);
      const regex = new RegExp(check.source, `${check.flags}g`);
      for (const fill of ['a', '1', ' ', 'ab', 'a1', 'foo ']) {
        const text = fill.repeat(Math.ceil(100_000 / fill.length));
        const started = performance.now();
        regex.lastIndex = 0;
        regex.test(text);
        const elapsed = performance.now() - started;
        expect(elapsed, `${pattern} on ${JSON.stringify(fill)}`).toBeLessThan(1_000);
      }
    }
  });

  it('the same patterns unbounded would be catastrophic (the check is what makes them safe)', () => {
    // Control: `(a+)+b` without the check backtracks exponentially; 24 characters already take long.
    const evil = /(a+)+b/;
    const started = performance.now();
    evil.test(`${'a'.repeat(22)}c`);
    expect(performance.now() - started).toBeGreaterThan(5);
    expect(checkFilterRegex('(a+)+b', 'i').ok).toBe(false);
  });
});
