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

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decoded bytes as text if valid UTF-8 and at least 85% printable (letters, digits, punctuation, spaces). */
function printableText(bytes: Uint8Array): string | undefined {
  if (bytes.length < 6) return undefined;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
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
function looksRot13(text: string): boolean {
  if ((text.match(ROT13_MARKERS) ?? []).length >= 2) return true;
  let letters = 0;
  let vowels = 0;
  let spaces = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 32) spaces++;
    // Leet digits standing for vowels (0 1 3 4) count as vowels: leetspeak is not rot13.
    else if (code === 48 || code === 49 || code === 51 || code === 52) vowels++;
    else if (code >= 97 && code <= 122) {
      letters++;
      if (code === 97 || code === 101 || code === 105 || code === 111 || code === 117) vowels++;
    }
  }
  // rot13 keeps word boundaries: a base64 blob (no spaces) is not rot13 prose.
  return letters >= 20 && spaces * 12 >= letters && vowels < letters * 0.29;
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
interface Gates {
  /** A run of at least 16 base64-alphabet characters. */
  base64: boolean;
  /** At least 16 hex digits in a run (pairs may be separated by one space, colon or comma). */
  hex: boolean;
  /** Six single letters in a row, each followed by separators ("i g n o r e"). */
  spaced: boolean;
}

const isAsciiLetter = (code: number): boolean => (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
const isHexDigit = (code: number): boolean =>
  (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
const isBase64Char = (code: number): boolean =>
  isAsciiLetter(code) ||
  (code >= 48 && code <= 57) ||
  code === 43 ||
  code === 47 ||
  code === 95 ||
  code === 45;
const isSpacedSeparator = (code: number): boolean =>
  code === 32 || code === 45 || code === 46 || code === 95 || code === 42 || code === 124;
const isHexSeparator = (code: number): boolean =>
  code === 32 || code === 58 || code === 44 || code === 9 || code === 10 || code === 13;

/** Gates are loose (a gate may open for nothing): the regexes behind them decide. */
function scanGates(text: string): Gates {
  const gates: Gates = { base64: false, hex: false, spaced: false };
  let base64Run = 0;
  let hexDigits = 0;
  let hexSeparated = false;
  let singles = 0;
  let previous = 32;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isBase64Char(code)) {
      if (++base64Run >= 16) gates.base64 = true;
    } else base64Run = 0;
    if (isHexDigit(code)) {
      hexSeparated = false;
      if (++hexDigits >= 16) gates.hex = true;
    } else if (isHexSeparator(code) && !hexSeparated) hexSeparated = true;
    else {
      hexDigits = 0;
      hexSeparated = false;
    }
    if (isAsciiLetter(code)) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 32;
      if (isAsciiLetter(previous) || isAsciiLetter(next)) singles = 0;
      else if (isSpacedSeparator(next) || i + 1 === text.length) {
        if (++singles >= 6) gates.spaced = true;
      } else singles = 0;
    } else if (!isSpacedSeparator(code)) singles = 0;
    previous = code;
  }
  return gates;
}

/** All views worth scoring;/** All views worth scoring; the first is always the normalized text. Duplicates and empty views are dropped. */
export function buildViews(input: string): TextView[] {
  const bounded = boundLength(input);
  const raw = NON_ASCII.test(bounded) ? stripInvisible(bounded) : bounded;
  const cased = normalizeCased(bounded);
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
  if (looksRot13(views[0]?.text ?? '')) add('rot13', rot13(cased), true);
  if ((cased.match(LEET_MIX) ?? []).length >= 2) add('leet', foldLeet(cased), true);
  if (gates.spaced) add('spaced', joinSpacedLetters(raw));
  return views;
}
