/**
 * Views of a text in which encoded or disguised forms of a canary become plain substrings. Each
 * view keeps, for every character it holds, the raw span it came from, so a match in a view maps
 * back to the exact raw text to block or redact.
 *
 * - `alnum`: URL-decoded (%XX), compatibility-folded (NFKC, e.g. full-width letters), lowercased,
 *   and only [a-z0-9] kept. Separators, spaces, newlines, punctuation and case are gone, so a
 *   canary written plain, in capitals, split by dashes or spaces, reversed or rot13'd is a plain
 *   substring of this view (of the matching needle).
 * - `hex`: hex digits only (lowercased), with `0x`, `\x` and `%` prefixes dropped, so hex dumps in
 *   any spacing or punctuation (`62 73 74`, `0x62,0x73`, `%62%73`) are one run.
 * - `base64`: the base64 alphabet only, URL-safe `-`/`_` mapped to `+`/`/`, so wrapped or spaced
 *   base64 is one run. Case is kept (base64 is case-sensitive).
 *
 * Every view is built in one linear pass. The `…Text` functions build the same view text without
 * the index maps, with native string operations; the scan checks needles against those first and
 * builds a mapped view only for a view that holds a needle (rare), to locate the raw span.
 */

export interface TextView {
  readonly text: string;
  /** Raw index where the view character at the same index starts. */
  readonly starts: Int32Array;
  /** Raw index just after the view character at the same index. */
  readonly ends: Int32Array;
}

const isHexCode = (code: number): boolean =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
const isAlnumLower = (code: number): boolean => (code >= 48 && code <= 57) || (code >= 97 && code <= 122);

/** NFKC + lower case of one non-ASCII character, cached (text reuses a small set of characters). */
const FOLD_CACHE_MAX = 4096;
const foldCache = new Map<string, string>();
const fold = (char: string): string => {
  let folded = foldCache.get(char);
  if (folded === undefined) {
    folded = char.normalize('NFKC').toLowerCase();
    if (foldCache.size >= FOLD_CACHE_MAX) foldCache.clear();
    foldCache.set(char, folded);
  }
  return folded;
};

/** Collects view characters as codes with their raw spans; one string is made at the end. */
class ViewBuilder {
  private readonly codes: Uint16Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private length = 0;

  /** `capacity`: most view characters one raw character can produce, times the raw length. */
  constructor(capacity: number) {
    this.codes = new Uint16Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  push(code: number, start: number, end: number): void {
    if (this.length === this.codes.length) return; // capacity covers every input; never reached
    this.codes[this.length] = code;
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.length += 1;
  }

  view(): TextView {
    let text = '';
    // fromCharCode takes arguments: convert in chunks to stay far below engine argument limits.
    for (let from = 0; from < this.length; from += 8192) {
      text += String.fromCharCode(...this.codes.subarray(from, Math.min(this.length, from + 8192)));
    }
    return { text, starts: this.starts, ends: this.ends };
  }
}

/** Case, separators and URL-encoding removed; see the module comment. */
export function alnumView(raw: string): TextView {
  // NFKC can expand one character into a few (e.g. a ligature); 4 per raw character is ample.
  const out = new ViewBuilder(raw.length * 4);
  let i = 0;
  while (i < raw.length) {
    const code = raw.charCodeAt(i);
    if (code === 37 /* % */ && isHexCode(raw.charCodeAt(i + 1)) && isHexCode(raw.charCodeAt(i + 2))) {
      const byte = Number.parseInt(raw.slice(i + 1, i + 3), 16);
      const lower = byte >= 65 && byte <= 90 ? byte + 32 : byte;
      if (isAlnumLower(lower)) out.push(lower, i, i + 3);
      i += 3;
      continue;
    }
    if (code < 128) {
      const lower = code >= 65 && code <= 90 ? code + 32 : code;
      if (isAlnumLower(lower)) out.push(lower, i, i + 1);
      i += 1;
      continue;
    }
    // Non-ASCII: fold compatibility forms (full-width, circled, mathematical letters) to ASCII.
    const next = raw.charCodeAt(i + 1);
    const width = code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    const folded = raw
      .slice(i, i + width)
      .normalize('NFKC')
      .toLowerCase();
    for (let k = 0; k < folded.length; k++) {
      if (isAlnumLower(folded.charCodeAt(k))) out.push(folded.charCodeAt(k), i, i + width);
    }
    i += width;
  }
  return out.view();
}

/** Hex digits only; see the module comment. */
export function hexView(raw: string): TextView {
  const out = new ViewBuilder(raw.length);
  let i = 0;
  while (i < raw.length) {
    const code = raw.charCodeAt(i);
    const next = raw.charCodeAt(i + 1);
    // `0x` / `\x` prefixes: the `0` of `0x` is not a digit of the dump.
    if ((code === 48 || code === 92) && (next === 120 || next === 88) && isHexCode(raw.charCodeAt(i + 2))) {
      i += 2;
      continue;
    }
    if (isHexCode(code)) out.push(code >= 65 && code <= 70 ? code + 32 : code, i, i + 1);
    i += 1;
  }
  return out.view();
}

/** The base64 alphabet only (URL-safe mapped to standard); see the module comment. */
export function base64View(raw: string): TextView {
  const out = new ViewBuilder(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if ((code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)) {
      out.push(code, i, i + 1);
    } else if (code === 43 || code === 45) out.push(43, i, i + 1);
    else if (code === 47 || code === 95) out.push(47, i, i + 1);
  }
  return out.view();
}

const PERCENT_BYTE = /%([0-9a-fA-F]{2})/g;
const NON_ASCII = /[\u0080-\u{10ffff}]/gu;
const NOT_ALNUM = /[^A-Za-z0-9]/g;
/** A `0x` / `\\x` prefix before a hex digit, or any character that is not a hex digit. */
const NOT_HEX_DIGIT = /(?:0[xX]|\\[xX])(?=[0-9a-fA-F])|[^0-9a-fA-F]/g;
/** Most text has no such prefix; then one simpler pass gives the same result. */
const HAS_HEX_PREFIX = /[0\\][xX][0-9a-fA-F]/;
const NOT_HEX = /[^0-9a-fA-F]/g;
const NOT_BASE64 = /[^A-Za-z0-9+/_-]/g;

/** The text of alnumView(raw), equal character for character. */
export function alnumViewText(raw: string): string {
  return raw
    .replace(PERCENT_BYTE, (_match, hex: string) => {
      const byte = Number.parseInt(hex, 16);
      const lower = byte >= 65 && byte <= 90 ? byte + 32 : byte;
      return isAlnumLower(lower) ? String.fromCharCode(lower) : '';
    })
    .replace(NON_ASCII, fold)
    .replace(NOT_ALNUM, '')
    .toLowerCase();
}

/** The text of hexView(raw). */
export const hexViewText = (raw: string): string =>
  (HAS_HEX_PREFIX.test(raw) ? raw.replace(NOT_HEX_DIGIT, '') : raw.replace(NOT_HEX, '')).toLowerCase();

/** The text of base64View(raw). */
export const base64ViewText = (raw: string): string =>
  raw.replace(NOT_BASE64, '').replace(/-/g, '+').replace(/_/g, '/');
