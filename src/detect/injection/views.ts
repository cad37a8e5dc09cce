/**
 * The texts the detector scores for one input: the normalized text plus every decoding an attacker
 * could hide instructions behind (base64, hex, URL-encoding, rot13, leetspeak, Unicode tag characters).
 * The detector takes the maximum score over views, so an encoded attack is as visible as a plain one.
 *
 * Decoders look only at runs found by linear regexes, stop after MAX_DECODED_CHARS per view, and keep
 * a decoding only when it is mostly printable text (random identifiers decode to binary noise).
 */
import {
  boundLength,
  decodeTagCharacters,
  MAX_VIEW_CHARS,
  normalizeCased,
  normalizeStripped,
  stripInvisible,
} from './normalize.js';

export type ViewKind = 'text' | 'base64' | 'hex' | 'url' | 'rot13' | 'leet' | 'tags' | 'spaced';

export interface TextView {
  readonly kind: ViewKind;
  /** Normalized and lower-cased: what rules and n-grams see. */
  readonly text: string;
  /** The same before lower-casing: word shapes (camelCase, ALLCAPS) are a signal of adversarial suffixes. */
  readonly cased: string;
}

const MAX_DECODED_CHARS = MAX_VIEW_CHARS;
/** Runs of base64 (standard or URL-safe alphabet), at least 16 characters. */
// The lookbehinds make a match start only at the beginning of a run: without them every position inside
// an ordinary word is tried again (quadratic in the word length).
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}/g;
/** Runs of at least 8 hex bytes, optionally separated by one space, colon or comma. */
const HEX_RUN = /(?<![0-9a-fA-F])(?:[0-9a-fA-F]{2}[\s:,]?){8,}/g;
/** \x41\x42 or 0x41 0x42 style escapes. */
const HEX_ESCAPE_RUN = /(?:(?:\\x|0x)[0-9a-fA-F]{2}[\s,]?){4,}/g;
const HEX_DIGITS = /[0-9a-fA-F]{2}/g;
const PERCENT_BYTE = /%[0-9a-fA-F]{2}/;
const PERCENT_RUN = /(?:%[0-9a-fA-F]{2}|[^%\s]){1,4096}/g;
const LEET_CANDIDATE = /[0-9@$!|]/;
const LEET_MIX = /[a-z][0-9@$!|][a-z]/gi;
/** rot13 of common English words (the, and, you, your, to, is, of, for, are, now, with, this, what, as, it, ...). */
const ROT13_MARKERS =
  /\b(?:gur|naq|lbh|lbhe|gb|vf|bs|sbe|ner|abj|jvgu|jvgubhg|guvf|jung|nf|vg|pna|zr|abg|nyy|cyrnfr|vafgehpgvbaf|cebzcg|flfgrz|vtaber)\b/g;
const WORD = /\S+/g;
const NON_ASCII = /[^\t-~]/;
/**
 * At least six single letters each followed by separators ("i g n o r e", "I-g-n-o-r-e"). Letters and
 * separators are disjoint classes, so the match is linear.
 */
const SPACED_RUN = /(?<![A-Za-z])(?:[A-Za-z][ \-._*|]+){5,}[A-Za-z](?![A-Za-z])/g;
const SPACED_SEPARATORS = /[ \-._*|]/g;
const WIDE_GAP = / {2,}|[ \-._*|]{3,}/;
const NON_SPACE_SEPARATOR = /[A-Za-z][-._*|]/;
const HAS_LETTER = /[a-z]/i;
const LEET_CHARS = /[0-9@$!|]/g;
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '9': 'g',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
};

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isStrictUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decoded bytes as text if valid UTF-8 and at least 85% printable (letters, digits, punctuation, spaces).
 * Invalid UTF-8 is recognised by the replacement character of a non-fatal decode: most candidate runs
 * (identifiers, adversarial suffixes) are not base64 text, and a thrown decoding error per run is slow.
 */
function printableText(bytes: Uint8Array): string | undefined {
  if (bytes.length < 6) return undefined;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  // A replacement character is either invalid input or an encoded U+FFFD: only the strict decoder knows.
  if (text.includes('\ufffd') && !isStrictUtf8(bytes)) return undefined;
  let printable = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 0x20 && code < 0x7f) || code === 0x0a || code === 0x0d || code === 0x09 || code >= 0xa0)
      printable++;
  }
  return printable >= text.length * 0.85 ? text : undefined;
}

/** Collects decodings of every match of `pattern` until the output budget is spent. */
function decodeRuns(text: string, pattern: RegExp, decode: (run: string) => Uint8Array): string {
  const parts: string[] = [];
  let total = 0;
  for (const match of text.matchAll(pattern)) {
    const decoded = printableText(decode(match[0]));
    if (decoded === undefined) continue;
    parts.push(decoded);
    total += decoded.length;
    if (total >= MAX_DECODED_CHARS) break;
  }
  return parts.join(' ');
}

const fromBase64 = (run: string): Uint8Array =>
  Buffer.from(run, run.includes('-') || run.includes('_') ? 'base64url' : 'base64');
const fromHexPairs = (run: string): Uint8Array => Buffer.from((run.match(HEX_DIGITS) ?? []).join(''), 'hex');
const fromHexEscapes = (run: string): Uint8Array =>
  Buffer.from(
    (run.match(/(?:\\x|0x)([0-9a-fA-F]{2})/g) ?? []).map((escape) => escape.slice(2)).join(''),
    'hex',
  );

/** %xx sequences decoded as UTF-8 bytes; other characters kept. A run with invalid UTF-8 stays as it is. */
export function decodePercent(text: string): string {
  return text.replace(PERCENT_RUN, (run) => {
    if (!PERCENT_BYTE.test(run)) return run;
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * True when the text may be rot13: two rot13'd common English words, or (any Latin-script language)
 * too few vowels among its letters. Vowels are about 38% of letters in English, German, French or
 * Spanish prose and about 20-25% after rot13 (n, r, v, b, h become a, e, i, o, u).
 */
function looksRot13(text: string, stats: LetterStats = letterStats(text)): boolean {
  if (stats.letters >= 20 && stats.gaps * 12 >= stats.letters && stats.vowels < stats.letters * 0.29)
    return true;
  return (text.match(ROT13_MARKERS) ?? []).length >= 2;
}

/** Letter statistics for the rot13 gate, as seen in normalized text (single spaces, trimmed). */
interface LetterStats {
  letters: number;
  /** Leet digits standing for vowels (0 1 3 4) count as vowels: leetspeak is not rot13. */
  vowels: number;
  /** Word gaps; rot13 keeps them, so a base64 blob (no spaces) is not rot13 prose. */
  gaps: number;
}

function letterStats(text: string): LetterStats {
  let letters = 0;
  let vowels = 0;
  let gaps = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) continue;
    const kind = ASCII_CLASS[code] ?? 0;
    if ((kind & LETTER) !== 0) letters++;
    if ((kind & VOWEL) !== 0) vowels++;
    if (code === 32) gaps++;
  }
  return { letters, vowels, gaps };
}

/** rot13 of ASCII letters. */
export function rot13(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 97 && code <= 122) out += String.fromCharCode(((code - 97 + 13) % 26) + 97);
    else if (code >= 65 && code <= 90) out += String.fromCharCode(((code - 65 + 13) % 26) + 65);
    else out += text[i];
  }
  return out;
}

/** Leetspeak folded in words that also contain letters ("1gn0r3" → "ignore"; "2024" is left alone). */
export function foldLeet(text: string): string {
  return text.replace(WORD, (word) =>
    HAS_LETTER.test(word) && LEET_CANDIDATE.test(word) ? word.replace(LEET_CHARS, (c) => LEET[c] ?? c) : word,
  );
}

/** Words kept on each side of a folded word in a leetspeak excerpt. */
const LEET_CONTEXT_WORDS = 4;

/**
 * The leetspeak view: folded words with LEET_CONTEXT_WORDS of context on each side, the rest left out
 * (cap on work: a long prompt with two "mp3"-like tokens costs a few words, not a second full pass).
 * Text that is mostly leetspeak is folded whole. `cased` is normalized (single spaces).
 */
export function leetExcerpt(cased: string): string {
  const words = cased.split(' ');
  const changed = words.map((word) => HAS_LETTER.test(word) && LEET_CANDIDATE.test(word));
  const count = changed.reduce((sum, flag) => sum + (flag ? 1 : 0), 0);
  if (count * 4 >= words.length) return foldLeet(cased);
  const keep = new Uint8Array(words.length);
  changed.forEach((flag, index) => {
    if (!flag) return;
    const end = Math.min(words.length - 1, index + LEET_CONTEXT_WORDS);
    for (let k = Math.max(0, index - LEET_CONTEXT_WORDS); k <= end; k++) keep[k] = 1;
  });
  const parts: string[] = [];
  words.forEach((word, index) => {
    if (keep[index] === 1)
      parts.push(changed[index] === true ? word.replace(LEET_CHARS, (c) => LEET[c] ?? c) : word);
    else if (index > 0 && keep[index - 1] === 1) parts.push('|');
  });
  return parts.join(' ');
}

/**
 * Letter-by-letter text joined back into words: a gap wider than the one between letters (or a space,
 * when letters are joined by another character) separates words; with uniform single spaces the letters become one run (character n-grams still see the words).
 */
export function joinSpacedLetters(text: string): string {
  return text.replace(SPACED_RUN, (run) =>
    run
      // "i-g-n-o-r-e a-l-l": with another separator between letters, a single space is a word gap.
      .split(NON_SPACE_SEPARATOR.test(run) ? / +/ : WIDE_GAP)
      .map((word) => word.replace(SPACED_SEPARATORS, ''))
      .join(' '),
  );
}

/** Which decoders can possibly find something; computed in one pass instead of one regex scan each. */
interface Gates extends LetterStats {
  /** A run of at least 16 base64-alphabet characters with two upper and two lower case letters in it. */
  base64: boolean;
  /** At least 16 hex digits in a run (pairs may be separated by one space, colon or comma). */
  hex: boolean;
  /** Six single letters in a row, each followed by separators ("i g n o r e"). */
  spaced: boolean;
}

const BASE64 = 1;
const HEX = 2;
const LETTER = 4;
const SPACED_SEPARATOR = 8;
const HEX_SEPARATOR = 16;
const UPPER = 32;
const WHITESPACE = 64;
/** a e i o u in either case, and the leet digits 0 1 3 4 (see LetterStats). */
const VOWEL = 128;
/** Character classes of ASCII, one table lookup per character. */
const ASCII_CLASS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  let kind = 0;
  if (/[A-Za-z0-9+/_-]/.test(char)) kind |= BASE64;
  if (/[0-9a-fA-F]/.test(char)) kind |= HEX;
  if (/[A-Za-z]/.test(char)) kind |= LETTER;
  if (/[A-Z]/.test(char)) kind |= UPPER;
  if (/[ \-._*|]/.test(char)) kind |= SPACED_SEPARATOR;
  if (/[\s:,]/.test(char)) kind |= HEX_SEPARATOR;
  if (/\s/.test(char)) kind |= WHITESPACE;
  if (/[aeiouAEIOU0134]/.test(char)) kind |= VOWEL;
  ASCII_CLASS[code] = kind;
}

/**
 * Gates are loose (a gate may open for nothing): the regexes behind them decide. For ASCII text the
 * letter statistics equal those of the normalized text (whitespace runs count as one gap).
 */
function scanGates(text: string): Gates {
  let base64 = false;
  let hex = false;
  let spaced = false;
  let letters = 0;
  let vowels = 0;
  let gaps = 0;
  let base64Run = 0;
  let base64Upper = 0;
  let base64Lower = 0;
  let hexDigits = 0;
  let hexSeparated = false;
  let singles = 0;
  let previous = WHITESPACE;
  let beforePrevious = WHITESPACE;
  let sawText = false;
  let inGap = false;
  const length = text.length;
  // Locals only (no object writes, no helper calls): this loop runs over every prompt.
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    const kind = code < 128 ? (ASCII_CLASS[code] ?? 0) : 0;
    if ((kind & BASE64) !== 0) {
      base64Run++;
      if ((kind & UPPER) !== 0) base64Upper++;
      else if ((kind & LETTER) !== 0) base64Lower++;
      if (base64Run >= 16 && base64Upper >= 2 && base64Lower >= 2) base64 = true;
    } else if (base64Run !== 0) {
      base64Run = 0;
      base64Upper = 0;
      base64Lower = 0;
    }
    if ((kind & HEX) !== 0) {
      hexSeparated = false;
      if (++hexDigits >= 16) hex = true;
    } else if ((kind & HEX_SEPARATOR) !== 0 && !hexSeparated) hexSeparated = true;
    else {
      hexDigits = 0;
      hexSeparated = false;
    }
    if ((kind & LETTER) !== 0) {
      letters++;
      if ((kind & VOWEL) !== 0) vowels++;
    } else {
      if ((kind & VOWEL) !== 0) vowels++;
      // Spaced letters, judged when a letter run ends (no look-ahead): a one-letter run followed by a
      // separator counts; a longer run or any other character resets the count.
      if ((previous & LETTER) !== 0) {
        if ((beforePrevious & LETTER) === 0 && (kind & SPACED_SEPARATOR) !== 0) {
          if (++singles >= 6) spaced = true;
        } else singles = 0;
      } else if ((kind & SPACED_SEPARATOR) === 0) singles = 0;
    }
    if ((kind & WHITESPACE) !== 0) inGap = sawText;
    else {
      if (inGap) gaps++;
      inGap = false;
      sawText = true;
    }
    beforePrevious = previous;
    previous = kind;
  }
  // A one-letter run at the very end counts too.
  if ((previous & LETTER) !== 0 && (beforePrevious & LETTER) === 0 && singles + 1 >= 6) spaced = true;
  return { base64, hex, spaced, letters, vowels, gaps };
}

/** All views worth scoring;/** All views worth scoring; the first is always the normalized text. Duplicates and empty views are dropped. */
export function buildViews(input: string): TextView[] {
  const bounded = boundLength(input);
  const nonAscii = NON_ASCII.test(bounded);
  const raw = nonAscii ? stripInvisible(bounded) : bounded;
  const cased = nonAscii ? normalizeStripped(raw) : normalizeCased(bounded);
  const views: TextView[] = [{ kind: 'text', text: cased.toLowerCase(), cased }];
  const seen = new Set([views[0]?.text]);
  /** `derived` views come from the already-normalized text and need no second normalization. */
  const add = (kind: ViewKind, candidate: string, derived = false): void => {
    if (candidate.length === 0) return;
    const normalized = derived ? candidate : normalizeCased(candidate);
    const text = normalized.toLowerCase();
    if (text.length === 0 || seen.has(text)) return;
    seen.add(text);
    views.push({ kind, text, cased: normalized });
  };
  if (raw.length !== bounded.length) add('tags', decodeTagCharacters(bounded));
  const gates = scanGates(raw);
  const ascii = !nonAscii;
  if (gates.base64) add('base64', decodeRuns(raw, BASE64_RUN, fromBase64));
  const hexEscapes = raw.includes('\\x') || raw.includes('0x');
  if (gates.hex || hexEscapes)
    add(
      'hex',
      `${gates.hex ? decodeRuns(raw, HEX_RUN, fromHexPairs) : ''} ${hexEscapes ? decodeRuns(raw, HEX_ESCAPE_RUN, fromHexEscapes) : ''}`.trim(),
    );
  if (raw.includes('%') && PERCENT_BYTE.test(raw)) add('url', decodePercent(raw));
  // Gates keep ordinary prompts to one view (latency): rot13 only when the text looks rot13'd (looksRot13),
  // leetspeak only when a leet digit or symbol sits between two letters at least twice ("h3ll0 w0rld").
  if (looksRot13(views[0]?.text ?? '', ascii ? gates : undefined)) add('rot13', rot13(cased), true);
  if ((cased.match(LEET_MIX) ?? []).length >= 2) add('leet', leetExcerpt(cased), true);
  if (gates.spaced) add('spaced', joinSpacedLetters(raw));
  return views;
}
