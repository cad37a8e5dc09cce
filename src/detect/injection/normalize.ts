/**
 * Canonical text for the injection detector: the same function runs at training time and at request
 * time, so whatever it folds away (invisible characters, look-alike letters, case, spacing) cannot be
 * used to slip an attack past the classifier.
 *
 * Every step is a single linear pass or a regex without nested quantifiers, so hostile input costs
 * time proportional to its (bounded) length.
 */

/** Each view is capped at this many UTF-16 code units; longer input keeps its head and tail. */
export const MAX_VIEW_CHARS = 16_384;
const TAIL_CHARS = 4_096;

/**
 * Zero-width and joiner characters, word joiner and invisible operators, BOM, and the bidi embedding,
 * override and isolate controls: they render as nothing (or reorder text) and only serve to split words.
 */
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
/** Unicode tag characters (U+E0000-E007F), written as surrogate pairs: \uDB40 + \uDC00-\uDC7F. */
const TAG_CHARS = /\udb40[\udc00-\udc7f]/g;
const NON_ASCII = /[^\t-~]/;
/** Only whitespace that changes: runs, and single characters other than a plain space. */
const WHITESPACE_RUN = /\s{2,}|[^\S ]/g;

/**
 * Cyrillic and Greek letters that look like Latin ones. Upper case first (folded before lower-casing),
 * then the lower-case letters that are true look-alikes in common fonts.
 */
// prettier-ignore
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  // Cyrillic capitals
  А: 'a', В: 'b', Е: 'e', К: 'k', М: 'm', Н: 'h', О: 'o', Р: 'p', С: 'c', Т: 't', Х: 'x', Ѕ: 's', І: 'i',
  Ј: 'j', Ү: 'y', Ԛ: 'q', Ԝ: 'w',
  // Cyrillic lower case
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', ѕ: 's', і: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w',
  һ: 'h', ӏ: 'l', ү: 'y', ɡ: 'g',
  // Greek capitals
  Α: 'a', Β: 'b', Ε: 'e', Ζ: 'z', Η: 'h', Ι: 'i', Κ: 'k', Μ: 'm', Ν: 'n', Ο: 'o', Ρ: 'p', Τ: 't', Υ: 'y',
  Χ: 'x',
  // Greek lower case
  ο: 'o', α: 'a', ι: 'i', κ: 'k', ν: 'v', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ε: 'e',
};
const HOMOGLYPH_CLASS = new RegExp(`[${Object.keys(HOMOGLYPHS).join('')}]`);
/** Greek and Cyrillic blocks plus U+0261: a cheap range test before the exact class. */
const HOMOGLYPH_BLOCKS = /[\u0261\u0370-\u052f]/;

/** Keeps the head and the tail of very long input, so cost is bounded and a payload at the end is still seen. */
export function boundLength(text: string, max = MAX_VIEW_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - TAIL_CHARS)} ${text.slice(text.length - TAIL_CHARS)}`;
}

/** Look-alike code → Latin letter code (every look-alike is below U+0530). */
const HOMOGLYPH_CODES = new Uint16Array(0x0530);
for (const [from, to] of Object.entries(HOMOGLYPHS)) HOMOGLYPH_CODES[from.charCodeAt(0)] = to.charCodeAt(0);
/** Per UTF-16 unit, filled lazily: 1 = a letter of another script (not Latin, not a look-alike), 2 = not. */
const OTHER_LETTER = new Uint8Array(65_536);
const NEUTRAL_CHAR = /[\p{P}\p{S}\p{N}\s]/u;

function isOtherLetter(code: number): boolean {
  if (code < 0x80 || (code >= 0xd800 && code <= 0xdfff)) return false;
  if (code < 0x0530 && HOMOGLYPH_CODES[code] !== 0) return false;
  let kind = OTHER_LETTER[code];
  if (kind === 0) {
    kind = NEUTRAL_CHAR.test(String.fromCharCode(code)) ? 2 : 1;
    OTHER_LETTER[code] = kind;
  }
  return kind === 1;
}

/**
 * Folds look-alike letters only inside words that mix them with Latin letters (or consist only of
 * look-alikes), so genuine Russian or Greek words stay intact while "іgnоre" becomes "ignore".
 * `text` has single spaces between words. One pass per word, no regex per word (this runs on every
 * prompt that contains Cyrillic or Greek).
 */
function foldHomoglyphs(text: string): string {
  if (!HOMOGLYPH_BLOCKS.test(text) || !HOMOGLYPH_CLASS.test(text)) return text;
  let out = '';
  let start = 0;
  const length = text.length;
  while (start <= length) {
    let end = text.indexOf(' ', start);
    if (end < 0) end = length;
    let homoglyph = false;
    let latin = false;
    let other = false;
    for (let i = start; i < end; i++) {
      const code = text.charCodeAt(i);
      if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90)) latin = true;
      else if (code < 0x0530 && code >= 0x80 && HOMOGLYPH_CODES[code] !== 0) homoglyph = true;
      else if (isOtherLetter(code)) other = true;
    }
    if (!homoglyph || (!latin && other)) out += text.slice(start, end);
    else
      for (let i = start; i < end; i++) {
        const code = text.charCodeAt(i);
        const folded = code < 0x0530 && code >= 0x80 ? HOMOGLYPH_CODES[code] : 0;
        out += folded ? String.fromCharCode(folded) : text[i];
      }
    if (end < length) out += ' ';
    start = end + 1;
  }
  return out;
}

/**
 * Removes invisible characters without NFKC or case folding; decoders (base64, hex) need the original
 * case, so they start from this.
 */
export function stripInvisible(text: string): string {
  return text.replace(TAG_CHARS, '').replace(INVISIBLE, '');
}

/** The text smuggled in Unicode tag characters (U+E0020-E007E mirror printable ASCII), or ''. */
export function decodeTagCharacters(text: string): string {
  let out = '';
  for (const match of text.matchAll(TAG_CHARS)) {
    const low = match[0].charCodeAt(1) - 0xdc00;
    if (low >= 0x20 && low <= 0x7e) out += String.fromCharCode(low);
  }
  return out;
}

/** NFKC, invisible characters removed, look-alikes folded, single spaces; case kept (for word shapes). */
export function normalizeCased(text: string): string {
  const bounded = boundLength(text);
  // Pure ASCII (most prompts) has no invisible characters, look-alikes or NFKC changes.
  if (!NON_ASCII.test(bounded)) return bounded.replace(WHITESPACE_RUN, ' ').trim();
  return normalizeStripped(stripInvisible(bounded));
}

/** normalizeCased of text that is already bounded and stripped of invisible characters. */
export function normalizeStripped(stripped: string): string {
  return foldHomoglyphs(stripped.normalize('NFKC').replace(WHITESPACE_RUN, ' ').trim());
}

/** normalizeCased, then lower case: the form rules and n-grams see. */
export function normalizeText(text: string): string {
  return normalizeCased(text).toLowerCase();
}
