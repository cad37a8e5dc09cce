/**
 * Compiles a keyword list into one regex over the filter view. A keyword matches as a whole word,
 * case-insensitively; each Latin letter also matches its common look-alikes (Cyrillic/Greek
 * homoglyphs, leetspeak digits and symbols), whitespace inside a phrase matches 1-4 whitespace
 * characters, and a trailing `*` matches up to PREFIX_EXTRA more letters (`swear*`).
 * Letters are matched in both cases through explicit classes, not the `i` flag.
 * The pattern is generated, never operator-written, and bounded: literals, classes and bounded
 * repeats only, so it cannot backtrack catastrophically; its longest match is known.
 */
import { filterView } from './view.js';

const PREFIX_EXTRA = 20;
const PHRASE_GAP = 4;

/** Characters a letter is commonly disguised as (matched in addition to the letter itself). */
// prettier-ignore
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  a: 'аα4@', b: 'Ьв8', c: 'сς', d: 'ԁ', e: 'еε3', g: 'ɡ9', h: 'һн', i: 'іι1!', j: 'ј', k: 'кκ',
  l: 'ӏ1|', m: 'м', n: 'п', o: 'оο0', p: 'рρ', q: 'ԛ', s: 'ѕ5$', t: 'тτ7', u: 'υ', v: 'ν', w: 'ԝ',
  x: 'хχ', y: 'уү', z: '2',
};

/** Scripts written without spaces between words: no word boundaries there. */
const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const WORD_CHAR = /[\p{L}\p{N}]/u;
const BEFORE = '(?<![\\p{L}\\p{N}])';
const AFTER = '(?![\\p{L}\\p{N}])';
/** Characters escaped outside a class (in Unicode mode `-` must not be escaped there). */
const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

export interface CompiledKeywords {
  readonly regex: RegExp;
  /** Longest possible match in UTF-16 code units. */
  readonly maxLength: number;
}

/** A character class for one letter: both cases of the letter and of its look-alikes (no `i` flag needed). */
function letterClass(char: string): string {
  const lower = char.toLowerCase();
  const variants = new Set<string>([char]);
  for (const variant of [lower, ...(LOOK_ALIKES[lower] ?? '')]) {
    variants.add(variant);
    const upper = variant.toUpperCase();
    // Upper-case forms that are one code point only ("ß" upper-cases to "SS").
    if ([...upper].length === 1) variants.add(upper);
  }
  if (variants.size === 1) return char.replace(REGEX_SPECIAL, '\\$&');
  return `[${[...variants].join('').replace(/[\\\]|^-]/g, '\\$&')}]`;
}

interface KeywordPattern {
  /** The pattern without the look-behind word boundary. */
  readonly body: string;
  /** Whether it must start at a word boundary. */
  readonly boundary: boolean;
  readonly maxLength: number;
}

function keywordPattern(keyword: string): KeywordPattern {
  const prefix = keyword.endsWith('*');
  const word = filterView(prefix ? keyword.slice(0, -1) : keyword).trim();
  let body = '';
  let maxLength = 0;
  let gap = false;
  for (const char of word) {
    if (/\s/.test(char)) {
      gap = true;
      continue;
    }
    if (gap) {
      body += `\\s{1,${PHRASE_GAP}}`;
      maxLength += PHRASE_GAP;
      gap = false;
    }
    body += letterClass(char);
    maxLength += char.length;
  }
  const chars = [...word];
  const first = chars[0] ?? '';
  const last = chars.at(-1) ?? '';
  if (prefix) {
    body += `[\\p{L}\\p{N}]{0,${PREFIX_EXTRA}}${AFTER}`;
    maxLength += PREFIX_EXTRA * 2;
  } else if (WORD_CHAR.test(last) && !UNSPACED.test(last)) body += AFTER;
  return { body, boundary: WORD_CHAR.test(first) && !UNSPACED.test(first), maxLength };
}

/**
 * One regex for the whole list, or undefined for an empty list. The look-behind boundary is shared by
 * every keyword that needs it (checked once per position, not once per keyword), and letters carry
 * their case variants, so the regex runs without the `i` flag: both keep long lists fast.
 */
export function compileKeywords(keywords: readonly string[]): CompiledKeywords | undefined {
  const patterns = [...new Set(keywords)].map(keywordPattern).filter((pattern) => pattern.maxLength > 0);
  if (patterns.length === 0) return undefined;
  const bounded = patterns.filter((pattern) => pattern.boundary).map((pattern) => pattern.body);
  const free = patterns.filter((pattern) => !pattern.boundary).map((pattern) => pattern.body);
  const parts = [
    ...(bounded.length > 0 ? [`${BEFORE}(?:${bounded.join('|')})`] : []),
    ...(free.length > 0 ? [`(?:${free.join('|')})`] : []),
  ];
  return {
    regex: new RegExp(parts.join('|'), 'gu'),
    maxLength: Math.max(...patterns.map((pattern) => pattern.maxLength)),
  };
}
