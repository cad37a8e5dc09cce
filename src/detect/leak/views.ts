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
 * Every view is built in one linear pass.
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
    const width = code >= 0xd800 && code <= 0xdbff && i + 1 < raw.length ? 2 : 1;
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
