/**
 * Verbatim overlap with a system prompt: a run of `n` consecutive words of a text that also occurs,
 * word for word, in the prompt. Words are maximal runs of letters and digits (any script),
 * lowercased, so case, punctuation, markup and whitespace between words do not matter.
 *
 * The prompt is indexed once per app: each distinct word gets a number, and every n-gram of those
 * numbers goes in a set. Scanning a text is one pass over its words; an n-gram is looked up only
 * inside a run of n words that all occur in the prompt, which ordinary text rarely forms.
 */
import type { Span } from './canary-forms.js';

/** A word: a letter or digit (any script), then letters, digits and combining marks. */
export const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

const START = /[\p{L}\p{N}]/u;
const PART = /[\p{L}\p{N}\p{M}]/u;
/** Per non-ASCII code point: 2 = may start a word, 1 = may continue one, 0 = neither (cached). */
const classCache = new Map<number, number>();
const classOf = (codePoint: number): number => {
  let cls = classCache.get(codePoint);
  if (cls === undefined) {
    const char = String.fromCodePoint(codePoint);
    cls = START.test(char) ? 2 : PART.test(char) ? 1 : 0;
    if (classCache.size >= 8192) classCache.clear();
    classCache.set(codePoint, cls);
  }
  return cls;
};
const asciiClass = (code: number): number =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) ? 2 : 0;

/**
 * Calls `visit(start, end)` for every word of `text`, exactly the matches of WORD, in one pass
 * with an ASCII fast path (the regex with Unicode properties is several times slower).
 */
export function forEachWord(text: string, visit: (start: number, end: number) => void): void {
  let i = 0;
  let start = -1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    let cls: number;
    let width = 1;
    if (code < 128) cls = asciiClass(code);
    else {
      const point = text.codePointAt(i) ?? code;
      width = point > 0xffff ? 2 : 1;
      cls = classOf(point);
    }
    if (start < 0) {
      if (cls === 2) start = i;
    } else if (cls === 0) {
      visit(start, i);
      start = -1;
    }
    i += width;
  }
  if (start >= 0) visit(start, text.length);
}

/** Prompts shorter than this many words are not matched by overlap (the canary still is). */
export const MIN_OVERLAP_PROMPT_WORDS = 4;

export interface OverlapIndex {
  /** Words per match: min(minOverlapWords, prompt words); 0 = overlap matching is off. */
  readonly n: number;
  /** The longest raw span of n consecutive words in the prompt, in characters. */
  readonly longestRunChars: number;
  /** Every run of n consecutive words of `text` that also occurs in the prompt. */
  find(text: string, options?: { skipFirstWord?: boolean }): Span[];
}

export function indexPrompt(prompt: string, minOverlapWords: number): OverlapIndex {
  const ids = new Map<string, number>();
  const words: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  forEachWord(prompt, (start, end) => {
    const word = prompt.slice(start, end).toLowerCase();
    let id = ids.get(word);
    if (id === undefined) {
      id = ids.size;
      ids.set(word, id);
    }
    words.push(id);
    starts.push(start);
    ends.push(end);
  });
  const n = words.length < MIN_OVERLAP_PROMPT_WORDS ? 0 : Math.min(minOverlapWords, words.length);
  const grams = new Set<string>();
  let longestRunChars = 0;
  for (let i = 0; n > 0 && i + n <= words.length; i++) {
    grams.add(words.slice(i, i + n).join(','));
    longestRunChars = Math.max(longestRunChars, (ends[i + n - 1] ?? 0) - (starts[i] ?? 0));
  }

  return {
    n,
    longestRunChars,
    find(text, options = {}): Span[] {
      if (n === 0) return [];
      const spans: Span[] = [];
      // Sliding window over the current run of prompt words.
      const runIds: number[] = [];
      const runStarts: number[] = [];
      let first = true;
      forEachWord(text, (start, end) => {
        const skip = first && options.skipFirstWord === true && start === 0;
        first = false;
        const id = skip ? undefined : ids.get(text.slice(start, end).toLowerCase());
        if (id === undefined) {
          runIds.length = 0;
          runStarts.length = 0;
          return;
        }
        runIds.push(id);
        runStarts.push(start);
        if (runIds.length > n) {
          runIds.shift();
          runStarts.shift();
        }
        if (runIds.length === n && grams.has(runIds.join(','))) {
          spans.push({ start: runStarts[0] ?? 0, end });
        }
      });
      return spans;
    },
  };
}
