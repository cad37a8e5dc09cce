/**
 * Rules for operator-written content filters, shared by config validation (a bad pattern is refused
 * at load) and the detector that compiles the patterns (it uses the rewritten source).
 *
 * Node has no linear-time regex engine built in, and RE2 would be a native dependency, so filter
 * regexes are restricted to a subset whose worst case is bounded by construction:
 *
 * - no backreferences and no lookaround (the constructs that need a backtracking engine at all);
 * - no `^`/`$` anchors (a filter looks for content anywhere; a stream has no known end until it ends);
 * - no repeated group that itself repeats or alternates (`(a+)+`, `(a|ab)*`: exponential backtracking);
 * - every quantifier bounded: `*`, `+` and `{n,}` are rewritten to at most MAX_REPEAT repetitions more
 *   than their minimum, so the longest possible match is finite and known (output streams hold back
 *   that many characters, and no more);
 * - a backtracking budget: the product of the quantifier ranges (and alternation widths) along the
 *   pattern bounds the attempts per start position; polynomial blow-ups like `\d+\d+\d+\d+` exceed it;
 * - length caps on the pattern and on the longest match.
 *
 * The check is a small parser of the JavaScript regex syntax (without the `v` flag); the pattern is
 * first compiled by V8, so anything syntactically invalid is refused before the parser sees it.
 */

export const FILTER_REGEX_LIMITS = Object.freeze({
  /** Pattern source length. */
  maxPatternChars: 512,
  /** Extra repetitions an unbounded quantifier may take: `x+` becomes `x{1,33}`. */
  maxRepeat: 32,
  /** Longest possible match, in UTF-16 code units. */
  maxMatchChars: 1024,
  /** Upper bound on backtracking attempts per start position (product of quantifier ranges). */
  maxBacktrackBudget: 100_000,
  /** Group nesting depth. */
  maxDepth: 10,
});

/** Flags an operator may set: case-insensitive, dot matches newlines, Unicode mode. */
export const FILTER_REGEX_FLAGS = /^(?!.*(.).*\1)[isu]{0,3}$/;

/** Built-in content profiles (lists in src/detect/content-filters); operators extend them in `contentProfiles`. */
export const BUILTIN_CONTENT_PROFILES = ['children', 'workplace'] as const;

export type FilterRegexCheck =
  | {
      readonly ok: true;
      /** The pattern with unbounded quantifiers rewritten to bounded ones. */
      readonly source: string;
      readonly flags: string;
      /** Longest possible match in UTF-16 code units. */
      readonly maxLength: number;
    }
  | { readonly ok: false; readonly reason: string };

interface Alt {
  readonly branches: Seq[];
}
interface Seq {
  readonly terms: Term[];
}
interface Term {
  readonly atom: Atom;
  readonly min: number;
  readonly max: number;
  readonly quantified: boolean;
}
type Atom =
  | { readonly kind: 'unit'; readonly len: number }
  | { readonly kind: 'assert' }
  | { readonly kind: 'group'; readonly alt: Alt };

class Refused extends Error {}

const QUANTIFIER = /^\{(\d+)(?:(,)(\d*))?\}/;

/** Parses the pattern into an AST, collecting quantifier rewrites; throws Refused with a reason. */
class Parser {
  private i = 0;
  readonly rewrites: Array<{ start: number; end: number; text: string }> = [];

  constructor(
    private readonly src: string,
    private readonly unicode: boolean,
  ) {}

  parse(): Alt {
    const alt = this.alt(0);
    if (this.i < this.src.length) throw new Refused('unbalanced parenthesis');
    return alt;
  }

  private alt(depth: number): Alt {
    if (depth > FILTER_REGEX_LIMITS.maxDepth) throw new Refused('groups are nested too deeply');
    const branches = [this.seq(depth)];
    while (this.src[this.i] === '|') {
      this.i++;
      branches.push(this.seq(depth));
    }
    return { branches };
  }

  private seq(depth: number): Seq {
    const terms: Term[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      terms.push(this.term(depth));
    }
    return { terms };
  }

  private term(depth: number): Term {
    const atom = this.atom(depth);
    const start = this.i;
    const c = this.src[this.i];
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      min = c === '+' ? 1 : 0;
      max = c === '?' ? 1 : Infinity;
    } else if (c === '{' && QUANTIFIER.test(this.src.slice(this.i))) {
      const match = QUANTIFIER.exec(this.src.slice(this.i)) as RegExpExecArray;
      this.i += match[0].length;
      min = Number(match[1]);
      max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    } else {
      return { atom, min: 1, max: 1, quantified: false };
    }
    const end = this.i;
    if (this.src[this.i] === '?') this.i++; // lazy: same bounds
    if (atom.kind === 'assert') throw new Refused('an assertion cannot be repeated');
    if (max === Infinity) {
      max = min + FILTER_REGEX_LIMITS.maxRepeat;
      this.rewrites.push({ start, end, text: `{${min},${max}}` });
    }
    if (atom.kind === 'group' && max > 1 && repeats(atom.alt)) {
      throw new Refused(
        'a repeated group must not itself contain a quantifier or "|" (nested repetition can backtrack catastrophically); use a character class or write the variants out',
      );
    }
    return { atom, min, max, quantified: true };
  }

  private atom(depth: number): Atom {
    const src = this.src;
    const c = src[this.i] as string;
    switch (c) {
      case '(':
        return this.group(depth);
      case '[':
        return this.charClass();
      case '.':
        this.i++;
        return this.unit();
      case '^':
      case '$':
        throw new Refused('anchors (^ and $) are not supported: filters match anywhere in a text');
      case '*':
      case '+':
      case '?':
        throw new Refused('nothing to repeat');
      case '\\':
        return this.escape();
      default: {
        const cp = src.codePointAt(this.i) as number;
        this.i += cp > 0xffff ? 2 : 1;
        return { kind: 'unit', len: cp > 0xffff ? 2 : 1 };
      }
    }
  }

  /** A character class or `.`: one code point (two code units in Unicode mode). */
  private unit(): Atom {
    return { kind: 'unit', len: this.unicode ? 2 : 1 };
  }

  private group(depth: number): Atom {
    const src = this.src;
    this.i++;
    if (src[this.i] === '?') {
      const next = src[this.i + 1];
      if (next === ':') this.i += 2;
      else if (next === '=' || next === '!') throw new Refused('lookahead is not supported');
      else if (next === '<' && (src[this.i + 2] === '=' || src[this.i + 2] === '!')) {
        throw new Refused('lookbehind is not supported');
      } else if (next === '<') {
        const close = src.indexOf('>', this.i);
        if (close === -1) throw new Refused('unterminated group name');
        this.i = close + 1;
      } else throw new Refused('inline modifiers are not supported; use the flags setting');
    }
    const alt = this.alt(depth + 1);
    if (src[this.i] !== ')') throw new Refused('unbalanced parenthesis');
    this.i++;
    return { kind: 'group', alt };
  }

  private charClass(): Atom {
    const src = this.src;
    this.i++;
    if (src[this.i] === '^') this.i++;
    // In JavaScript a `]` right after `[` or `[^` closes an empty class; no special case needed.
    while (this.i < src.length && src[this.i] !== ']') {
      if (src[this.i] === '\\') {
        const next = src[this.i + 1];
        if (next !== undefined && /[1-9k]/.test(next) && this.unicode) {
          throw new Refused('backreferences are not supported');
        }
        this.i += 2;
      } else this.i++;
    }
    if (src[this.i] !== ']') throw new Refused('unterminated character class');
    this.i++;
    return this.unit();
  }

  private escape(): Atom {
    const src = this.src;
    const next = src[this.i + 1];
    if (next === undefined) throw new Refused('pattern ends with a backslash');
    this.i += 2;
    if (next === 'b' || next === 'B') return { kind: 'assert' };
    if (/[1-9]/.test(next) || next === 'k') throw new Refused('backreferences are not supported');
    if (/[dDwWsS]/.test(next)) return { kind: 'unit', len: 1 };
    if (next === 'p' || next === 'P') {
      if (src[this.i] === '{') {
        const close = src.indexOf('}', this.i);
        if (close === -1) throw new Refused('unterminated \\p{...}');
        this.i = close + 1;
      }
      return this.unit();
    }
    if (next === 'x' && /^[0-9a-fA-F]{2}/.test(src.slice(this.i))) this.i += 2;
    else if (next === 'u') {
      const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(src.slice(this.i));
      if (this.unicode && braced) {
        this.i += braced[0].length;
        return { kind: 'unit', len: parseInt(braced[1] as string, 16) > 0xffff ? 2 : 1 };
      }
      if (/^[0-9a-fA-F]{4}/.test(src.slice(this.i))) this.i += 4;
    } else if (next === 'c' && /^[A-Za-z]/.test(src.slice(this.i))) this.i += 1;
    return { kind: 'unit', len: 1 };
  }
}

/** True when a group's content can match in more than one way: an alternation or a variable quantifier. */
function repeats(alt: Alt): boolean {
  if (alt.branches.length > 1) return true;
  return alt.branches.some((seq) =>
    seq.terms.some(
      (term) =>
        (term.quantified && term.max > term.min) || (term.atom.kind === 'group' && repeats(term.atom.alt)),
    ),
  );
}

const atomLength = (atom: Atom, pick: 'min' | 'max'): number =>
  atom.kind === 'unit' ? atom.len : atom.kind === 'assert' ? 0 : altLength(atom.alt, pick);

function altLength(alt: Alt, pick: 'min' | 'max'): number {
  const lengths = alt.branches.map((seq) =>
    seq.terms.reduce((sum, term) => sum + atomLength(term.atom, pick) * term[pick], 0),
  );
  return pick === 'min' ? Math.min(...lengths) : Math.max(...lengths);
}

/** Attempts per start position, at worst: alternations add up their branches, sequences multiply. */
function cost(alt: Alt): number {
  let total = 0;
  for (const seq of alt.branches) {
    let product = 1;
    for (const term of seq.terms) {
      const inner = term.atom.kind === 'group' ? cost(term.atom.alt) : 1;
      product *= inner * (term.quantified ? term.max - term.min + 1 : 1);
      if (product > Number.MAX_SAFE_INTEGER) return Infinity;
    }
    total += product;
  }
  return total;
}

/** Checks an operator-written filter regex; returns the bounded rewrite or the reason it is refused. */
export function checkFilterRegex(pattern: string, flags: string): FilterRegexCheck {
  const limits = FILTER_REGEX_LIMITS;
  if (pattern.length === 0) return { ok: false, reason: 'the pattern is empty' };
  if (pattern.length > limits.maxPatternChars) {
    return { ok: false, reason: `the pattern is longer than ${limits.maxPatternChars} characters` };
  }
  if (!FILTER_REGEX_FLAGS.test(flags)) {
    return { ok: false, reason: 'flags may only be i, s and u (each at most once)' };
  }
  try {
    new RegExp(pattern, flags);
  } catch {
    return { ok: false, reason: 'not a valid JavaScript regular expression' };
  }
  let ast: Alt;
  const parser = new Parser(pattern, flags.includes('u'));
  try {
    ast = parser.parse();
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.message };
    throw error;
  }
  if (altLength(ast, 'min') === 0) return { ok: false, reason: 'the pattern can match the empty string' };
  const maxLength = altLength(ast, 'max');
  if (maxLength > limits.maxMatchChars) {
    return {
      ok: false,
      reason: `the pattern can match more than ${limits.maxMatchChars} characters (unbounded quantifiers count as ${limits.maxRepeat} repetitions); tighten its quantifiers`,
    };
  }
  if (cost(ast) > limits.maxBacktrackBudget) {
    return {
      ok: false,
      reason: `too many variable quantifiers in a row (worst-case backtracking over ${limits.maxBacktrackBudget} steps per position); use fixed counts or fewer + and *`,
    };
  }
  let source = pattern;
  for (const rewrite of [...parser.rewrites].sort((a, b) => b.start - a.start)) {
    source = source.slice(0, rewrite.start) + rewrite.text + source.slice(rewrite.end);
  }
  return { ok: true, source, flags, maxLength };
}
