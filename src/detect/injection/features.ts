/**
 * Signed feature hashing of word unigrams, word bigrams and character 3-5-grams into 2^18 buckets,
 * plus word shapes (see hashShapes), with sublinear (log) term frequencies, L2-normalized. Shared by the trainer and the runtime so both see identical
 * features.
 *
 * Speed matters (the detector runs on every request): n-gram hashes are computed on the fly from
 * char codes with FNV-1a, nothing is allocated per n-gram, and counts go into one reusable dense
 * array whose touched buckets are remembered so clearing costs only what was used.
 */

export const FEATURE_BITS = 18;
export const FEATURE_DIM = 1 << FEATURE_BITS;
const MASK = FEATURE_DIM - 1;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Different seeds keep the three feature families in different hash spaces. */
const SEED_CHAR = FNV_OFFSET;
const SEED_WORD = 0x9747b28c;
const SEED_BIGRAM = 0x5bd1e995;
const SEED_SHAPE = 0x27d4eb2f;
const SEED_STREAM = 0x165667b1;

/** Word shapes are compressed runs of character classes, at most this many classes long. */
const SHAPE_MAX = 5;
const CHAR_MIN = 3;
const CHAR_MAX = 5;
/** Words weigh more than single character n-grams: there are far fewer of them. */
const WORD_WEIGHT = 2;

/** Final avalanche (murmur3 fmix32) so low bits index well and the top bit is a fair sign. */
function mix(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Letters and digits (any script) form words; CJK ideographs and kana are one word each. */
function charClass(code: number): 0 | 1 | 2 {
  if (code < 0x80) {
    return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 65 && code <= 90) ? 1 : 0;
  }
  if (code >= 0x3040 && code <= 0x9fff) return 2;
  if (code >= 0xac00 && code <= 0xd7af) return 1; // Hangul syllables
  if (code >= 0x2000 && code <= 0x2bff) return 0; // punctuation, symbols, arrows
  if (code >= 0x3000 && code < 0x3040) return 0; // CJK punctuation
  if (code >= 0xff00 && code <= 0xff65) return 0; // full-width forms left after NFKC
  return 1;
}

/** Sublinear term frequency, sign kept: repeating a phrase 50 times should not make it 50 times stronger. */
function sublinear(count: number): number {
  const magnitude = count < 0 ? -count : count;
  // Counts are small integers (or doubles of them) almost always: a table avoids log1p per feature.
  const value =
    magnitude < LOG_TABLE.length && Number.isInteger(magnitude)
      ? (LOG_TABLE[magnitude] ?? 0)
      : Math.log1p(magnitude);
  return count < 0 ? -value : value;
}
const LOG_TABLE = Float64Array.from({ length: 64 }, (_, i) => Math.log1p(i));

/** A reusable sparse accumulator; one instance per detector (not shared across concurrent calls). */
export class FeatureVector {
  readonly counts = new Float32Array(FEATURE_DIM);
  private touched = new Int32Array(65_536);
  private size = 0;

  private add(hash: number, weight: number): void {
    const h = mix(hash);
    this.addAt(h & MASK, h, weight);
  }

  /** Adds ±weight at `index`, the sign taken from the top bit of the mixed hash `h`. */
  private addAt(index: number, h: number, weight: number): void {
    // A count that cancels back to 0 and is touched again is listed twice; readers consume (zero) the
    // count as they go, so the second listing reads 0 and adds nothing.
    if (this.counts[index] === 0) {
      if (this.size === this.touched.length) {
        const grown = new Int32Array(this.touched.length * 2);
        grown.set(this.touched);
        this.touched = grown;
      }
      this.touched[this.size++] = index;
    }
    this.counts[index] = (this.counts[index] ?? 0) + (h < 0 ? -weight : weight);
  }

  /**
   * Hashes `text` (normalized, lower case) into the accumulator, after clearing it; with `cased` (the
   * same text before lower-casing) also the shapes of its space-separated tokens and shape bigrams.
   */
  hash(text: string, cased?: string): void {
    this.clear();
    if (cased !== undefined) this.hashShapes(cased);
    const length = text.length;
    for (let i = 0; i + CHAR_MIN <= length; i++) {
      let h = SEED_CHAR;
      const end = Math.min(length, i + CHAR_MAX);
      for (let j = i; j < end; j++) {
        h = Math.imul(h ^ text.charCodeAt(j), FNV_PRIME);
        if (j - i + 1 >= CHAR_MIN) this.add(h, 1);
      }
    }
    // Words: no closure here (captured variables would be context-allocated, slowing the loop).
    let word = SEED_WORD;
    let inWord = false;
    let previous = 0;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      const kind = charClass(code);
      if (kind === 1) {
        word = Math.imul(word ^ code, FNV_PRIME);
        inWord = true;
        continue;
      }
      if (inWord) {
        previous = this.addWord(word, previous);
        word = SEED_WORD;
        inWord = false;
      }
      if (kind === 2) {
        previous = this.addWord(Math.imul(word ^ code, FNV_PRIME), previous);
      }
    }
    if (inWord) this.addWord(word, previous);
  }

  /** Adds a word and its bigram with the previous word (0 = none); returns the word's hash. */
  private addWord(word: number, previous: number): number {
    this.add(word, WORD_WEIGHT);
    if (previous !== 0) this.add(Math.imul(previous ^ SEED_BIGRAM, FNV_PRIME) ^ word, WORD_WEIGHT);
    return word;
  }

  /** Token shapes: "Hello" → Aa, "PseudAnswer" → AaAa, "[(stepped" → .a; runs of one class collapse. */
  private hashShapes(cased: string): void {
    let shape = SEED_SHAPE;
    let last = -1;
    let classes = 0;
    let previous = 0;
    // Run-compressed character-class stream across tokens ("a.a](A" ...): n-grams of it see the
    // punctuation-heavy glue of adversarial suffixes. Punctuation keeps its own code.
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    let lastStream = -1;
    for (let i = 0; i <= cased.length; i++) {
      const code = i < cased.length ? cased.charCodeAt(i) : 32;
      const streamClass =
        code >= 97 && code <= 122
          ? 1
          : code >= 65 && code <= 90
            ? 2
            : code >= 48 && code <= 57
              ? 3
              : code >= 0x80
                ? 4
                : code;
      if (streamClass !== lastStream) {
        lastStream = streamClass;
        const c4 = c3;
        c3 = c2;
        c2 = c1;
        c1 = streamClass;
        if (c4 !== 0) {
          const h = Math.imul(
            Math.imul(Math.imul(Math.imul(SEED_STREAM ^ c4, FNV_PRIME) ^ c3, FNV_PRIME) ^ c2, FNV_PRIME) ^ c1,
            FNV_PRIME,
          );
          this.add(h, 1);
        }
      }
      if (code === 32) {
        if (classes > 0) {
          this.add(shape, 1);
          this.add(Math.imul(previous ^ SEED_BIGRAM, FNV_PRIME) ^ shape, 1);
          previous = shape;
        }
        shape = SEED_SHAPE;
        last = -1;
        classes = 0;
        continue;
      }
      const kind =
        code >= 65 && code <= 90
          ? 1
          : code >= 97 && code <= 122
            ? 2
            : code >= 48 && code <= 57
              ? 3
              : code >= 0x80
                ? 4
                : 5;
      if (kind !== last && classes < SHAPE_MAX) {
        shape = Math.imul(shape ^ kind, FNV_PRIME);
        classes++;
        last = kind;
      }
    }
  }

  /** w·x for the L2-normalized vector. Consumes the accumulator (it is left empty). */
  dot(weights: Float32Array): number {
    let dot = 0;
    let norm = 0;
    const { counts, touched } = this;
    for (let k = 0; k < this.size; k++) {
      const index = touched[k] ?? 0;
      const value = sublinear(counts[index] ?? 0);
      counts[index] = 0;
      dot += value * (weights[index] ?? 0);
      norm += value * value;
    }
    this.size = 0;
    return norm === 0 ? 0 : dot / Math.sqrt(norm);
  }

  /** A compact L2-normalized copy (for training). Consumes the accumulator. */
  toSparse(): { indices: Int32Array; values: Float32Array } {
    const indices = new Int32Array(this.size);
    const values = new Float32Array(this.size);
    let norm = 0;
    for (let k = 0; k < this.size; k++) {
      const index = this.touched[k] ?? 0;
      const value = sublinear(this.counts[index] ?? 0);
      this.counts[index] = 0;
      indices[k] = index;
      values[k] = value;
      norm += value * value;
    }
    this.size = 0;
    const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
    for (let k = 0; k < values.length; k++) values[k] = (values[k] ?? 0) * scale;
    return { indices, values };
  }

  private clear(): void {
    for (let k = 0; k < this.size; k++) this.counts[this.touched[k] ?? 0] = 0;
    this.size = 0;
  }
}
