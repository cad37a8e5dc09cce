/**
 * The text content filters look at (the "filter view"), built one code point at a time so that a
 * stream can be cut anywhere and both halves fold exactly as the whole would:
 *
 * - default-ignorable code points (zero-width characters, joiners, bidi controls, tag characters,
 *   variation selectors, soft hyphen) are dropped, so `b\u200Bad` reads `bad`; a run longer than
 *   MAX_INVISIBLE_RUN code units reads as one space (and output streams shorten such runs, see
 *   shortenInvisibleRuns, which is what keeps a stream's hold-back bounded);
 * - every other non-ASCII code point is NFKC-normalised on its own (full-width and compatibility
 *   forms fold to their plain letters; combining accents are not composed across code points).
 *
 * Case and look-alike letters are not folded here: keyword patterns match case-insensitively and
 * carry their own look-alike classes, and operator regexes keep their meaning.
 */

export const MAX_INVISIBLE_RUN = 64;

const NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII_CODE_POINT = /[\u{80}-\u{10ffff}]/gu;
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
const IGNORABLE_RUN = /\p{Default_Ignorable_Code_Point}+/gu;

const foldRun = (run: string): string => (run.length > MAX_INVISIBLE_RUN ? ' ' : '');
const nfkc = (char: string): string => char.normalize('NFKC');

/**
 * Text whose code points all fold to themselves. NFKC of a whole string leaves it unchanged only if
 * every code point is NFKC-stable on its own (a character that changes under NFKC can never appear in
 * NFKC output, and a combining mark alone has nothing to compose with), so one native call decides.
 */
const stable = (text: string): boolean => !IGNORABLE.test(text) && text.normalize('NFKC') === text;

/** The filter view of a whole text. */
export function filterView(text: string): string {
  if (!NON_ASCII.test(text) || stable(text)) return text;
  return text.replace(IGNORABLE_RUN, foldRun).replace(NON_ASCII_CODE_POINT, nfkc);
}

/**
 * The filter view with, for each of its characters, the offset in `text` of the code point that
 * produced it (a long invisible run's space maps to the run's start). Used to cut a stream between
 * what may leave and what must be held.
 */
export function filterViewWithOffsets(text: string): { view: string; offset(index: number): number } {
  if (!NON_ASCII.test(text) || stable(text)) return { view: text, offset: (index) => index };
  let view = '';
  const offsets: number[] = [];
  let runStart = -1;
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i) as number;
    const width = code > 0xffff ? 2 : 1;
    if (code < 0x80) {
      closeRun(i);
      view += text[i];
      offsets.push(i);
    } else {
      const char = text.slice(i, i + width);
      if (IGNORABLE.test(char)) {
        if (runStart === -1) runStart = i;
      } else {
        closeRun(i);
        const folded = nfkc(char);
        view += folded;
        for (let k = 0; k < folded.length; k++) offsets.push(i);
      }
    }
    i += width;
  }
  closeRun(text.length);
  return { view, offset: (index) => offsets[index] as number };

  function closeRun(end: number): void {
    if (runStart === -1) return;
    if (end - runStart > MAX_INVISIBLE_RUN) {
      view += ' ';
      offsets.push(runStart);
    }
    runStart = -1;
  }
}

/**
 * Cuts every run of invisible code points down to MAX_INVISIBLE_RUN + 1 code units (a run that
 * long already reads as a space, so the view does not change). `carry` is the length of the run
 * the previous piece ended with; returns the shortened text and the run it ends with.
 */
export function shortenInvisibleRuns(text: string, carry: number): { text: string; carry: number } {
  if (!NON_ASCII.test(text)) return { text, carry: text.length === 0 ? carry : 0 };
  const limit = MAX_INVISIBLE_RUN + 1;
  let out = '';
  let last = 0;
  let run = carry;
  for (const match of text.matchAll(IGNORABLE_RUN)) {
    const start = match.index;
    if (start > last) run = 0; // a visible character came in between
    out += text.slice(last, start);
    let kept = '';
    for (const char of match[0]) {
      if (run + kept.length + char.length > limit) break;
      kept += char;
    }
    out += kept;
    run += kept.length;
    last = start + match[0].length;
    // The rest of an over-long run is dropped: the view is one space either way.
    if (kept.length < match[0].length) run = limit;
  }
  if (last < text.length) run = 0;
  out += text.slice(last);
  return { text: out, carry: run };
}
