/**
 * The fake's token model: deterministic and cheap, not a real tokenizer. A token is a run of
 * letters/digits/underscore (any non-ASCII character counts as a letter) or one other visible
 * character, together with the whitespace before it. Counting and splitting use the same rule, so
 * a reply truncated to N tokens reports exactly N output tokens.
 */

const isSpace = (code: number): boolean => code <= 32;
const isWordChar = (code: number): boolean =>
  (code >= 48 && code <= 57) ||
  (code >= 65 && code <= 90) ||
  (code >= 97 && code <= 122) ||
  code === 95 ||
  code >= 128;

/** Number of tokens in `text` (0 for empty or blank text). Allocation-free. */
export function countTokens(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) inWord = false;
    else if (isWordChar(code)) {
      if (!inWord) count++;
      inWord = true;
    } else {
      count++;
      inWord = false;
    }
  }
  return count;
}

/** Splits `text` into its tokens; the pieces joined give back `text` exactly. */
export function splitTokens(text: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (i >= text.length) break;
    if (isWordChar(text.charCodeAt(i))) {
      while (i < text.length && isWordChar(text.charCodeAt(i))) i++;
    } else i++;
    pieces.push(text.slice(start, i));
    start = i;
  }
  if (start < text.length) {
    // Trailing whitespace belongs to the last token (or is the whole text when it is blank).
    if (pieces.length > 0) pieces[pieces.length - 1] += text.slice(start);
    else pieces.push(text.slice(start));
  }
  return pieces;
}

/** Tokens of the reply text, memoised because the same default reply is sent again and again. */
const splitCache = new Map<string, readonly string[]>();
export function replyTokens(text: string): readonly string[] {
  let pieces = splitCache.get(text);
  if (pieces === undefined) {
    pieces = splitTokens(text);
    if (splitCache.size >= 256) splitCache.clear();
    splitCache.set(text, pieces);
  }
  return pieces;
}
