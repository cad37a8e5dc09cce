/**
 * The forms of a canary the leak scan looks for, and where they occur in a text. The needles are
 * built from the canary's random body (20 base32 characters, 100 bits), so a leak is caught
 * whether or not the model kept the `bst-cnry-` prefix:
 *
 * - in the `alnum` view: the body as is (plain, any case, split by separators, spaces or newlines,
 *   URL-encoded), reversed, and rot13'd;
 * - in the `hex` view: the hex encoding of the body (any case, spacing, `0x`/`\x`/`%` prefixes);
 * - in the `base64` view: the body's base64 at each of the three byte alignments, so the body is
 *   found inside the base64 of any longer text (standard or URL-safe alphabet, wrapped or not).
 *
 * Each needle is at least 20 characters of a 100-bit random value, so benign text never matches.
 */
import { CANARY_PREFIX } from './canary.js';
import {
  alnumView,
  alnumViewText,
  base64View,
  base64ViewText,
  hexView,
  hexViewText,
  type TextView,
} from './views.js';

type ViewName = 'alnum' | 'hex' | 'base64';

export interface CanaryNeedle {
  readonly view: ViewName;
  /** How the canary was disguised (for tests and debugging; never for audit). */
  readonly form: 'plain' | 'reversed' | 'rot13' | 'hex' | 'base64';
  readonly text: string;
  /** The form of the `bst-cnry-` prefix in this view, before (or, reversed, after) the body: when it
   *  is there, the span (and so a redaction) covers it too. */
  readonly before?: string;
  readonly after?: string;
}

/** A canary occurrence in raw text: [start, end). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

const rot13 = (text: string): string =>
  text.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));

/**
 * Base64 characters determined by `bytes` alone when they follow `offset` (0-2) other bytes: the
 * characters at the edges mix in neighbouring bytes and are left out.
 */
const base64Core = (bytes: Buffer, offset: number): string => {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
  const first = Math.ceil((offset * 8) / 6);
  const last = Math.floor(((offset + bytes.length) * 8) / 6); // exclusive
  return encoded.slice(first, last);
};

export function canaryNeedles(body: string): CanaryNeedle[] {
  const lower = body.toLowerCase();
  const bytes = Buffer.from(lower, 'utf8');
  const prefix = CANARY_PREFIX.replace(/[^a-z0-9]/g, ''); // `bstcnry`, as the alnum view has it
  const needles: CanaryNeedle[] = [
    { view: 'alnum', form: 'plain', text: lower, before: prefix },
    {
      view: 'alnum',
      form: 'reversed',
      text: [...lower].reverse().join(''),
      after: [...prefix].reverse().join(''),
    },
    { view: 'alnum', form: 'rot13', text: rot13(lower), before: rot13(prefix) },
    {
      view: 'hex',
      form: 'hex',
      text: bytes.toString('hex'),
      before: Buffer.from(CANARY_PREFIX).toString('hex'),
    },
  ];
  for (let offset = 0; offset < 3; offset++) {
    needles.push({ view: 'base64', form: 'base64', text: base64Core(bytes, offset) });
  }
  return needles;
}

const isBase64Code = (code: number): boolean =>
  (code >= 48 && code <= 57) ||
  (code >= 65 && code <= 90) ||
  (code >= 97 && code <= 122) ||
  code === 43 ||
  code === 45 ||
  code === 47 ||
  code === 95;

/** The run of base64 characters (with its `=` padding) around [start, end) in the raw text. */
const base64Run = (raw: string, start: number, end: number): Span => {
  let from = start;
  while (from > 0 && isBase64Code(raw.charCodeAt(from - 1))) from--;
  let to = end;
  while (to < raw.length && isBase64Code(raw.charCodeAt(to))) to++;
  while (to < raw.length && raw.charCodeAt(to) === 61 /* = */) to++;
  return { start: from, end: to };
};

const VIEW_BUILDERS: Readonly<Record<ViewName, (raw: string) => TextView>> = {
  alnum: alnumView,
  hex: hexView,
  base64: base64View,
};
const VIEW_TEXTS: Readonly<Record<ViewName, (raw: string) => string>> = {
  alnum: alnumViewText,
  hex: hexViewText,
  base64: base64ViewText,
};

/** Every occurrence of any needle in `raw`, as raw spans (unsorted, may overlap). */
export function findCanary(raw: string, needles: readonly CanaryNeedle[]): Span[] {
  const spans: Span[] = [];
  const texts = new Map<ViewName, string>();
  const views = new Map<ViewName, TextView>();
  for (const needle of needles) {
    // Cheap check first: the view text without index maps.
    let text = texts.get(needle.view);
    if (text === undefined) {
      text = VIEW_TEXTS[needle.view](raw);
      texts.set(needle.view, text);
    }
    if (!text.includes(needle.text)) continue;
    let view = views.get(needle.view);
    if (view === undefined) {
      view = VIEW_BUILDERS[needle.view](raw);
      views.set(needle.view, view);
    }
    for (let at = view.text.indexOf(needle.text); at >= 0; at = view.text.indexOf(needle.text, at + 1)) {
      let first = at;
      let last = at + needle.text.length - 1;
      const before = needle.before;
      if (before !== undefined && at >= before.length && view.text.startsWith(before, at - before.length)) {
        first = at - before.length;
      }
      if (needle.after !== undefined && view.text.startsWith(needle.after, last + 1))
        last += needle.after.length;
      const start = view.starts[first];
      const end = view.ends[last];
      if (start === undefined || end === undefined) continue;
      // A base64 match is the middle of an encoded run: the whole run goes (it encodes the canary).
      spans.push(needle.view === 'base64' ? base64Run(raw, start, end) : { start, end });
    }
  }
  return spans;
}
