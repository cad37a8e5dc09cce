/**
 * Compiles a keyword list into one regex over the filter view. A keyword matches as a whole word,
 * case-insensitively; each Latin letter also matches its common look-alikes (Cyrillic/Greek
 * homoglyphs, leetspeak digits and symbols), whitespace inside a phrase matches 1-4 whitespace
 * characters, and a trailing `*` matches up to PREFIX_EXTRA more letters (`swear*`).
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

function keywordPattern(keyword: string): { source: string; maxLength: number } {
  const prefix = keyword.endsWith('*');
  const word = filterView(prefix ? keyword.slice(0, -1) : keyword).trim();
  let source = '';
  let maxLength = 0;
  let gap = false;
  for (const char of word) {
    if (/\s/.test(char)) {
      gap = true;
      continue;
    }
    if (gap) {
      source += `\\s{1,${PHRASE_GAP}}`;
      maxLength += PHRASE_GAP;
      gap = false;
    }
    const lower = char.toLowerCase();
    const alikes = LOOK_ALIKES[lower];
    source +=
      alikes === undefined
        ? char.replace(REGEX_SPECIAL, '\\$&')
        : `[${lower}${alikes.replace(/[\\\]|^-]/g, '\\$&')}]`;
    maxLength += char.length;
  }
  const chars = [...word];
  const first = chars[0] ?? '';
  const last = chars.at(-1) ?? '';
  const before = WORD_CHAR.test(first) && !UNSPACED.test(first) ? BEFORE : '';
  let after = '';
  if (prefix) {
    source += `[\\p{L}\\p{N}]{0,${PREFIX_EXTRA}}`;
    maxLength += PREFIX_EXTRA * 2;
    after = AFTER;
  } else if (WORD_CHAR.test(last) && !UNSPACED.test(last)) after = AFTER;
  return { source: `${before}${source}${after}`, maxLength };
}

/** One regex for the whole list, or undefined for an empty list. */
export function compileKeywords(keywords: readonly string[]): CompiledKeywords | undefined {
  const patterns = [...new Set(keywords)].map(keywordPattern).filter((pattern) => pattern.maxLength > 0);
  if (patterns.length === 0) return undefined;
  return {
    regex: new RegExp(patterns.map((pattern) => pattern.source).join('|'), 'giu'),
    maxLength: Math.max(...patterns.map((pattern) => pattern.maxLength)),
  };
}
