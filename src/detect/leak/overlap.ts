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

/** A word: letters and digits of any script (\p{M} keeps combining marks inside words). */
const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

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
  for (const match of prompt.matchAll(WORD)) {
    const word = match[0].toLowerCase();
    let id = ids.get(word);
    if (id === undefined) {
      id = ids.size;
      ids.set(word, id);
    }
    words.push(id);
    starts.push(match.index);
    ends.push(match.index + match[0].length);
  }
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
      for (const match of text.matchAll(WORD)) {
        const skip = first && options.skipFirstWord === true && match.index === 0;
        first = false;
        const id = skip ? undefined : ids.get(match[0].toLowerCase());
        if (id === undefined) {
          runIds.length = 0;
          runStarts.length = 0;
          continue;
        }
        runIds.push(id);
        runStarts.push(match.index);
        if (runIds.length > n) {
          runIds.shift();
          runStarts.shift();
        }
        if (runIds.length === n && grams.has(runIds.join(','))) {
          spans.push({ start: runStarts[0] ?? 0, end: match.index + match[0].length });
        }
      }
      return spans;
    },
  };
}
