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
const WHITESPACE_RUN = /\s+/g;

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
/** Letters of a "word" for homoglyph purposes: any run of non-space characters. */
const NON_SPACE_RUN = /\S+/g;
const LATIN_LETTER = /[a-zA-Z]/;
const NON_FOLDABLE_LETTER = new RegExp(
  `[^\\s\\p{P}\\p{S}\\p{N}a-zA-Z${Object.keys(HOMOGLYPHS).join('')}]`,
  'u',
);

/** Keeps the head and the tail of very long input, so cost is bounded and a payload at the end is still seen. */
export function boundLength(text: string, max = MAX_VIEW_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - TAIL_CHARS)} ${text.slice(text.length - TAIL_CHARS)}`;
}

/**
 * Folds look-alike letters only inside words that mix them with Latin letters (or consist only of
 * look-alikes), so genuine Russian or Greek words stay intact while "іgnоre" becomes "ignore".
 */
function foldHomoglyphs(text: string): string {
  if (!HOMOGLYPH_CLASS.test(text)) return text;
  return text.replace(NON_SPACE_RUN, (word) => {
    if (!HOMOGLYPH_CLASS.test(word)) return word;
    if (!LATIN_LETTER.test(word) && NON_FOLDABLE_LETTER.test(word)) return word;
    let out = '';
    for (const char of word) out += HOMOGLYPHS[char] ?? char;
    return out;
  });
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
  let out = stripInvisible(boundLength(text));
  if (NON_ASCII.test(out)) out = foldHomoglyphs(out.normalize('NFKC'));
  return out.replace(WHITESPACE_RUN, ' ').trim();
}

/** normalizeCased, then lower case: the form rules and n-grams see. */
export function normalizeText(text: string): string {
  return normalizeCased(text).toLowerCase();
}
