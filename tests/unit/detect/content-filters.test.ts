import { describe, expect, it } from 'vitest';
import { BUILTIN_CONTENT_PROFILES, checkFilterRegex } from '../../../src/core/filter-rules.js';
import type { FilterPolicy } from '../../../src/core/policy.js';
import { BUILTIN_PROFILES } from '../../../src/detect/content-filters/builtin-profiles.js';
import { compileFilters } from '../../../src/detect/content-filters/compile.js';
import { compileKeywords } from '../../../src/detect/content-filters/keywords.js';
import { FilterScanner } from '../../../src/detect/content-filters/scanner.js';
import {
  MAX_INVISIBLE_RUN,
  filterView,
  filterViewWithOffsets,
  shortenInvisibleRuns,
} from '../../../src/detect/content-filters/view.js';

const policy = (overrides: Partial<FilterPolicy> = {}): FilterPolicy => ({
  keywords: [],
  regexes: [],
  profiles: [],
  applyTo: 'both',
  ...overrides,
});

/** First rule hit on a whole text, as the request guard checks inputs. */
const hitOn = (filters: FilterPolicy, text: string): string | undefined =>
  compileFilters(filters).firstMatch(filterView(text), 0, true);

/** Streams `pieces` through a scanner: everything released, and the hit that stopped it (if any). */
function stream(
  filters: FilterPolicy,
  pieces: readonly string[],
): { released: string; hit: string | undefined } {
  const scanner = new FilterScanner(compileFilters(filters));
  let released = '';
  for (const piece of pieces) {
    const step = scanner.push(piece);
    if ('hit' in step) return { released, hit: step.hit };
    released += step.release;
  }
  const last = scanner.end();
  if ('hit' in last) return { released, hit: last.hit };
  return { released: released + last.release, hit: undefined };
}

/** No character of the first match (of the rule that blocked) was released before the block. */
function expectMatchWithheld(
  filters: FilterPolicy,
  text: string,
  result: { released: string; hit: string | undefined },
): void {
  const rule = compileFilters(filters).rules.find((candidate) => candidate.id === result.hit);
  if (rule === undefined) throw new Error(`no rule ${String(result.hit)}`);
  const regex = new RegExp(rule.regex.source, rule.regex.flags);
  const match = regex.exec(filterView(text));
  expect(match, `${rule.id} matches the whole text`).not.toBeNull();
  expect(text.startsWith(result.released)).toBe(true);
  expect(match?.index ?? -1).toBeGreaterThanOrEqual(filterView(result.released).length);
}

/** A deterministic pseudo-random generator (tests must be reproducible). */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('filter view', () => {
  it('drops invisible characters, folds compatibility forms, and reads long invisible runs as a space', () => {
    expect(filterView('b\u200Bad\u2060word')).toBe('badword');
    expect(filterView('ｂａｄ')).toBe('bad');
    expect(filterView(`a${'\u200B'.repeat(MAX_INVISIBLE_RUN)}b`)).toBe('ab');
    expect(filterView(`a${'\u200B'.repeat(MAX_INVISIBLE_RUN + 1)}b`)).toBe('a b');
    expect(filterView('plain ascii')).toBe('plain ascii');
  });

  it('the view with offsets is the same view, and each offset points at the producing code point', () => {
    const random = rng(7);
    const alphabet = ['a', 'B', ' ', '\u200B', '\uFE0F', 'ｆ', 'é', '😀', '\u{E0041}', 'ﬁ', '\n'];
    for (let n = 0; n < 300; n++) {
      let text = '';
      const length = Math.floor(random() * 40);
      for (let i = 0; i < length; i++) {
        const pick = alphabet[Math.floor(random() * alphabet.length)] as string;
        text += random() < 0.05 ? pick.repeat(70) : pick;
      }
      const { view, offset } = filterViewWithOffsets(text);
      expect(view).toBe(filterView(text));
      const offsets = Array.from({ length: view.length }, (_, k) => offset(k));
      for (let k = 1; k < offsets.length; k++)
        expect(offsets[k]).toBeGreaterThanOrEqual(offsets[k - 1] as number);
      // The code point at each offset produces that view character, or starts a run read as a space.
      offsets.forEach((at, k) => {
        const folded = filterView(String.fromCodePoint(text.codePointAt(at) as number));
        expect(folded === '' ? view[k] : folded).toContain(view[k] as string);
      });
    }
  });

  it('shortens invisible runs across pieces without changing the view', () => {
    const long = '\u200B'.repeat(500);
    const first = shortenInvisibleRuns(`x${long}`, 0);
    expect(first.text).toBe(`x${'\u200B'.repeat(MAX_INVISIBLE_RUN + 1)}`);
    const second = shortenInvisibleRuns(`${long}y`, first.carry);
    expect(second.text).toBe('y');
    expect(second.carry).toBe(0);
    expect(filterView(first.text + second.text)).toBe(filterView(`x${long}${long}y`));
    // Tag characters are surrogate pairs: a run is never cut inside one.
    const tags = shortenInvisibleRuns('\u{E0041}'.repeat(100), 0).text;
    expect(tags.length).toBe(MAX_INVISIBLE_RUN);
    expect(tags.length % 2).toBe(0);
  });
});

describe('keywords', () => {
  const filters = policy({ keywords: ['darn', 'heck*', 'blast it', '阿呆'] });

  it('match whole words, case-insensitively, through look-alikes and invisible characters', () => {
    expect(hitOn(filters, 'well DARN it')).toBe('keywords');
    expect(hitOn(filters, 'd4rn')).toBe('keywords');
    expect(hitOn(filters, 'dаrn')).toBe('keywords'); // Cyrillic а
    expect(hitOn(filters, 'd\u200Barn')).toBe('keywords');
    expect(hitOn(filters, 'ｄａｒｎ')).toBe('keywords');
    expect(hitOn(filters, 'darned')).toBeUndefined(); // whole words only
    expect(hitOn(filters, 'undarn')).toBeUndefined();
  });

  it('a trailing * matches longer words; phrases match across whitespace; unspaced scripts match inside text', () => {
    expect(hitOn(filters, 'what the heckity')).toBe('keywords');
    expect(hitOn(filters, 'blast   it all')).toBe('keywords');
    expect(hitOn(filters, 'blastit')).toBeUndefined();
    expect(hitOn(filters, 'お前は阿呆だ')).toBe('keywords');
  });

  it('report a bounded longest match', () => {
    expect(compileKeywords(['abc'])?.maxLength).toBe(3);
    expect(compileKeywords(['a b'])?.maxLength).toBe(6);
    expect(compileKeywords(['ab*'])?.maxLength).toBe(42);
    expect(compileKeywords([])).toBeUndefined();
  });

  it('escape regex syntax in keywords', () => {
    const special = policy({ keywords: ['c++ (beta)', 'a.b'] });
    expect(hitOn(special, 'we use c++ (beta) here')).toBe('keywords');
    expect(hitOn(special, 'axb')).toBeUndefined();
  });
});

describe('compiled filters', () => {
  it('name rules: keywords, regex ids, profile keywords and profile regexes', () => {
    const filters = policy({
      keywords: ['alpha'],
      regexes: [{ id: 'ticket', pattern: 'TCK-\\d{4}', flags: '' }],
      profiles: [
        { name: 'children', keywords: ['grog'], regexes: [] },
        {
          name: 'pirates',
          keywords: [],
          regexes: [{ id: 'plank', pattern: 'walk\\s+the\\s+plank', flags: 'i' }],
        },
      ],
    });
    expect(hitOn(filters, 'alpha')).toBe('keywords');
    expect(hitOn(filters, 'see TCK-1234')).toBe('ticket');
    expect(hitOn(filters, 'see tck-1234')).toBeUndefined();
    expect(hitOn(filters, 'more grog')).toBe('profile.children.keywords');
    expect(hitOn(filters, 'shit happens')).toBe('profile.children.keywords'); // built-in list
    expect(hitOn(filters, 'mail me at kid@example.com')).toBe('profile.children.contact-email');
    expect(hitOn(filters, 'Walk  the plank')).toBe('profile.pirates.plank');
    expect(hitOn(filters, 'a nice day')).toBeUndefined();
  });

  it('applyTo picks the directions; an empty set applies to neither', () => {
    expect(compileFilters(policy({ keywords: ['x'], applyTo: 'input' }))).toMatchObject({
      input: true,
      output: false,
    });
    expect(compileFilters(policy({ keywords: ['x'], applyTo: 'output' }))).toMatchObject({
      input: false,
      output: true,
    });
    expect(compileFilters(policy())).toMatchObject({ input: false, output: false, hold: 0 });
  });

  it('is compiled once per policy object', () => {
    const filters = policy({ keywords: ['x'] });
    expect(compileFilters(filters)).toBe(compileFilters(filters));
  });

  it('refuses a regex the config would refuse, even when built by hand', () => {
    expect(() => compileFilters(policy({ regexes: [{ id: 'bad', pattern: '(a+)+', flags: '' }] }))).toThrow(
      /refused/,
    );
  });

  it('built-in profiles exist for every built-in name and pass the regex safety check', () => {
    expect(Object.keys(BUILTIN_PROFILES).sort()).toEqual([...BUILTIN_CONTENT_PROFILES].sort());
    for (const profile of Object.values(BUILTIN_PROFILES)) {
      for (const rule of profile.regexes) expect(checkFilterRegex(rule.pattern, rule.flags).ok).toBe(true);
      expect(profile.keywords.length).toBeGreaterThan(0);
    }
  });

  it('built-in patterns take bounded time on 100 KB of adversarial text', () => {
    const filters = compileFilters(
      policy({ profiles: BUILTIN_CONTENT_PROFILES.map((name) => ({ name, keywords: [], regexes: [] })) }),
    );
    for (const fill of ['a', '1', ' ', 'a@', '1-', 'fuc', 'a.b', '\u200B', 'аб']) {
      const text = fill.repeat(Math.ceil(100_000 / fill.length));
      const started = performance.now();
      filters.firstMatch(filterView(text), 0, true);
      expect(performance.now() - started, JSON.stringify(fill)).toBeLessThan(1_000);
    }
  });
});

describe('streaming scanner', () => {
  const filters = policy({
    keywords: ['forbidden words', 'bad*'],
    regexes: [{ id: 'code', pattern: 'X-\\d{3,}', flags: '' }],
  });

  it('releases text a bounded distance behind, and everything at the end when nothing matched', () => {
    const set = compileFilters(filters);
    const scanner = new FilterScanner(set);
    const text = 'a harmless sentence '.repeat(50);
    let released = '';
    let seen = 0;
    for (const char of text) {
      const step = scanner.push(char);
      if ('hit' in step) throw new Error('unexpected hit');
      released += step.release;
      seen += 1;
      expect(text.startsWith(released)).toBe(true);
      expect(seen - released.length).toBeLessThanOrEqual(2 * set.hold);
    }
    const last = scanner.end();
    expect('release' in last && released + last.release).toBe(text);
  });

  it('the held text never exceeds 2 x hold + one piece, invisible padding included', () => {
    const set = compileFilters(filters);
    const scanner = new FilterScanner(set);
    let pushed = 0;
    let released = 0;
    const piece = `word${'\u200B'.repeat(30)} `;
    for (let i = 0; i < 200; i++) {
      const step = scanner.push(piece);
      if ('hit' in step) throw new Error('unexpected hit');
      pushed += piece.length;
      released += step.release.length;
      const heldRaw = pushed - released;
      // Each view character may carry up to MAX_INVISIBLE_RUN + 1 invisible code units in front of it.
      expect(heldRaw).toBeLessThanOrEqual(2 * set.hold * (MAX_INVISIBLE_RUN + 2) + piece.length);
    }
  });

  it('blocks a match split across any two pieces, and never releases any of its characters', () => {
    const cases = [
      'some text before, then forbidden words appear, then more text after that',
      'a bad thing',
      'here is X-12345 and more',
      'badminton is a word that starts with bad',
      `forbidden${'\u200B'.repeat(10)} words`,
    ];
    for (const text of cases) {
      const whole = hitOn(filters, text);
      expect(whole, text).toBeDefined();
      for (let cut = 0; cut <= text.length; cut++) {
        const result = stream(filters, [text.slice(0, cut), text.slice(cut)]);
        expect(result.hit, `${text} cut at ${cut}`).toBe(whole);
        expectMatchWithheld(filters, text, result);
      }
    }
  });

  it('a match that touches the end of the held text waits for the next character', () => {
    const set = compileFilters(filters);
    expect(set.firstMatch('say forbidden words', 0, false)).toBeUndefined();
    expect(set.firstMatch('say forbidden words', 0, true)).toBe('keywords');
    expect(set.firstMatch('say forbidden words.', 0, false)).toBe('keywords');
    const benign = `${'padding text '.repeat(20)}forbidden wordsmiths are fine`;
    expect(hitOn(filters, benign)).toBeUndefined();
    for (let cut = 0; cut <= benign.length; cut++) {
      expect(stream(filters, [benign.slice(0, cut), benign.slice(cut)])).toEqual({
        released: benign,
        hit: undefined,
      });
    }
  });

  it('random texts split at random points: the stream decides exactly as the whole text does', () => {
    const random = rng(42);
    const words = [
      'bad',
      'badly',
      'forbidden',
      'words',
      'X-',
      '123',
      'ok',
      ' ',
      ' ',
      '\u200B',
      'b\u200Bad',
      'é',
      '😀',
    ];
    for (let n = 0; n < 400; n++) {
      let text = '';
      const count = 5 + Math.floor(random() * 40);
      for (let i = 0; i < count; i++) text += words[Math.floor(random() * words.length)];
      const pieces: string[] = [];
      let at = 0;
      while (at < text.length) {
        let size = 1 + Math.floor(random() * 12);
        // Keep surrogate pairs whole, like a real stream does.
        if (/[\uD800-\uDBFF]/.test(text[at + size - 1] ?? '')) size += 1;
        pieces.push(text.slice(at, at + size));
        at += size;
      }
      const whole = hitOn(filters, text);
      const result = stream(filters, pieces);
      expect(result.hit === undefined, JSON.stringify(text)).toBe(whole === undefined);
      // The stream may stop at an earlier match of another rule than the whole-text check names first.
      if (whole === undefined) expect(result.released).toBe(text);
      else expectMatchWithheld(filters, text, result);
    }
  });
});
