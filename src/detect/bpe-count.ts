/**
 * Bounded-CPU token counting over OpenAI's BPE encodings (gpt-tokenizer).
 *
 * Why not just `countTokens(text)`: BPE merging is quadratic in the length of one pre-tokenized
 * chunk. A hostile 1 MB run of a single letter (or of spaces) is one chunk and takes minutes to
 * count. We therefore (1) count long texts segment by segment, cutting before whitespace so
 * chunks are not split, stopping as soon as the caller's limit is passed, and (2) in a segment
 * that contains a run of one character class longer than MAX_RUN_BYTES, count in short fixed
 * pieces instead, so no BPE call ever sees a chunk longer than a few dozen characters. Cutting
 * inside such a run may over-count by about one token per cut; that only happens on unusual
 * text (very long words, CJK sentences without punctuation) and errs on the safe side.
 */
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';

export type EncodingName = 'o200k_base' | 'cl100k_base';

/**
 * Special-token strings such as `<|endoftext|>` in client text are counted as plain text. By
 * default gpt-tokenizer throws on them, which would let any client make the guard fail.
 * Created once: the library derives its settings from this object on every call, allocation-free.
 */
const SPECIAL_AS_TEXT = { disallowedSpecial: new Set<string>() };

// Both encodings are loaded at import time (startup), never per request.
const COUNTERS: Record<EncodingName, (text: string) => number> = {
  o200k_base: (text) => o200k.countTokens(text, SPECIAL_AS_TEXT),
  cl100k_base: (text) => cl100k.countTokens(text, SPECIAL_AS_TEXT),
};

/**
 * Longest token of either vocabulary, in UTF-8 bytes (a run of 128 spaces in both; a test checks
 * this against the vocabularies). So any text of B bytes has at least ceil(B / 128) tokens: the
 * only lower bound that holds for every input, hostile ones included.
 */
export const MAX_TOKEN_BYTES = 128;

/** Segment length for long texts; the limit is checked after each segment. */
const SEGMENT_CHARS = 4096;
/** A same-class run longer than this (in approximate UTF-8 bytes) triggers piece-wise counting. */
const MAX_RUN_BYTES = 64;
/** Piece length when counting a segment with a long run: at most ~128 UTF-8 bytes per BPE call. */
const PIECE_CHARS = 32;

/** Fewest tokens any text of `utf8Bytes` bytes can encode to, for either encoding. */
export const minTokensForUtf8Bytes = (utf8Bytes: number): number => Math.ceil(utf8Bytes / MAX_TOKEN_BYTES);

const isAsciiWhitespace = (code: number): boolean => code === 32 || (code >= 9 && code <= 13);
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** 0 letter or any non-ASCII unit, 1 digit, 2 whitespace, 3 ASCII punctuation/symbol. */
const charClass = (code: number): number => {
  if (code >= 128) return 0;
  if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) return 0;
  if (code >= 48 && code <= 57) return 1;
  if (isAsciiWhitespace(code)) return 2;
  return 3;
};

/**
 * True when [start, end) holds a run of one class longer than MAX_RUN_BYTES. Our classes are
 * coarser than the tokenizer's pre-tokenizer, so every tokenizer chunk lies inside one of our
 * runs (give or take a leading space or apostrophe): no long run means no long chunk.
 */
const hasLongRun = (text: string, start: number, end: number): boolean => {
  let runClass = -1;
  let runBytes = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    const cls = charClass(code);
    const bytes = code < 128 ? 1 : 3;
    if (cls === runClass) {
      runBytes += bytes;
      if (runBytes > MAX_RUN_BYTES) return true;
    } else {
      runClass = cls;
      runBytes = bytes;
    }
  }
  return false;
};

/** Cut point near `target`: before a whitespace that follows non-whitespace, else a hard cut. */
const segmentEnd = (text: string, start: number): number => {
  const target = start + SEGMENT_CHARS;
  if (target >= text.length) return text.length;
  for (let i = target; i > start + SEGMENT_CHARS / 2; i--) {
    if (isAsciiWhitespace(text.charCodeAt(i)) && !isAsciiWhitespace(text.charCodeAt(i - 1))) return i;
  }
  return isLowSurrogate(text.charCodeAt(target)) ? target - 1 : target;
};

const countInPieces = (
  count: (text: string) => number,
  text: string,
  start: number,
  end: number,
  limit: number,
): number => {
  let total = 0;
  let pos = start;
  while (pos < end) {
    let next = Math.min(pos + PIECE_CHARS, end);
    if (next < end && isLowSurrogate(text.charCodeAt(next))) next -= 1;
    total += count(text.slice(pos, next));
    if (total > limit) return total;
    pos = next;
  }
  return total;
};

/**
 * Tokens in `text` under `encoding`. Stops early once the count passes `limit` and then returns
 * some value greater than `limit` (not the exact count): callers only need to know it is over.
 */
export const countTextTokens = (encoding: EncodingName, text: string, limit = Infinity): number => {
  if (text.length === 0) return 0;
  // Short-circuit before any BPE work: a UTF-8 character is at most 3 bytes per UTF-16 unit, so
  // only texts longer than 128 * limit / 3 units can be proven over the limit by size alone.
  if (text.length * 3 > MAX_TOKEN_BYTES * limit) {
    const lowerBound = minTokensForUtf8Bytes(Buffer.byteLength(text, 'utf8'));
    if (lowerBound > limit) return lowerBound;
  }
  const count = COUNTERS[encoding];
  let total = 0;
  let start = 0;
  while (start < text.length) {
    const end = segmentEnd(text, start);
    if (hasLongRun(text, start, end)) {
      total += countInPieces(count, text, start, end, limit - total);
    } else {
      total += count(start === 0 && end === text.length ? text : text.slice(start, end));
    }
    if (total > limit) return total;
    start = end;
  }
  return total;
};
