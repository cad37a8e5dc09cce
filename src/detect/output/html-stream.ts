/**
 * HTML sanitization of model output with sanitize-html, streamed.
 *
 * sanitize-html works on complete fragments, so the stream is cut into fragments at points where
 * htmlparser2 (the tokenizer sanitize-html itself uses, fed incrementally) has no tag, comment or
 * entity in progress and no tracked element open. Each fragment is sanitized on its own; the
 * concatenation is safe because every sanitized fragment is closed (text escaped, tags balanced),
 * so joining two can never form a new tag. Plain text with no `<` cannot contain markup and passes
 * untouched, which keeps ordinary answers byte-identical and fast.
 *
 * Hold-back: at most `maxHoldChars` characters. If an element stays open longer (an unclosed
 * `<p>`), the held text is sanitized as is: still safe, at worst an early closing tag.
 */
import { Parser } from 'htmlparser2';
import sanitizeHtml from 'sanitize-html';
import type { HostAllowlist } from './url-policy.js';

export interface HtmlPolicy {
  readonly allowedTags: readonly string[];
  /** Attributes allowed per tag (`*` for every tag). */
  readonly allowedAttributes: Readonly<Record<string, readonly string[]>>;
  /** URL schemes allowed in href/src/cite. */
  readonly allowedSchemes: readonly string[];
  /** When set, href/src pointing elsewhere are dropped (the markdown link rule, applied to HTML). */
  readonly linkHosts: HostAllowlist | undefined;
}

export const DEFAULT_ALLOWED_TAGS: readonly string[] = ['p', 'strong', 'em', 'ul', 'li', 'code'];

/** Elements whose content is never shown as text: dropped with their content, held until closed. */
const NON_TEXT_TAGS = [
  'script',
  'style',
  'textarea',
  'option',
  'noscript',
  'iframe',
  'xmp',
  'noembed',
  'noframes',
  'title',
  'template',
];

const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'cite',
  'action',
  'formaction',
  'poster',
  'ping',
  'background',
]);

const VOID_ELEMENTS = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

type Attributes = Record<string, string>;

const dropForeignUrls =
  (hosts: HostAllowlist) =>
  (tagName: string, attribs: Attributes): { tagName: string; attribs: Attributes } => {
    const kept: Attributes = {};
    for (const [name, value] of Object.entries(attribs)) {
      // srcset holds several candidates ("url 2x, url 3x"): every one must be allowed.
      const urls = name === 'srcset' ? value.split(',').map((c) => c.trim().split(/\s+/)[0] ?? '') : [value];
      if ((!URL_ATTRIBUTES.has(name) && name !== 'srcset') || urls.every((url) => hosts.allowsUrl(url)))
        kept[name] = value;
    }
    return { tagName, attribs: kept };
  };

const optionsFor = (policy: HtmlPolicy): sanitizeHtml.IOptions => ({
  allowedTags: [...policy.allowedTags],
  allowedAttributes: Object.fromEntries(
    Object.entries(policy.allowedAttributes).map(([tag, attributes]) => [tag, [...attributes]]),
  ),
  allowedSchemes: [...policy.allowedSchemes],
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: NON_TEXT_TAGS,
  ...(policy.linkHosts ? { transformTags: { '*': dropForeignUrls(policy.linkHosts) } } : {}),
});

/** Sanitizes one complete fragment; text without `<` cannot hold markup and is returned as is. */
export class HtmlFragmentSanitizer {
  private readonly options: sanitizeHtml.IOptions;

  constructor(policy: HtmlPolicy) {
    this.options = optionsFor(policy);
  }

  sanitize(fragment: string): string {
    return fragment.includes('<') ? sanitizeHtml(fragment, this.options) : fragment;
  }
}

export class StreamingHtmlSanitizer {
  private readonly tracked: ReadonlySet<string>;
  private parser: Parser | undefined;
  private held = '';
  /** Parser index of held[0]. */
  private base = 0;
  /** Parser index up to which the text forms complete top-level fragments. */
  private safe = 0;
  private depth = 0;

  constructor(
    private readonly fragments: HtmlFragmentSanitizer,
    policy: HtmlPolicy,
    private readonly maxHoldChars: number,
  ) {
    this.tracked = new Set([...policy.allowedTags, ...NON_TEXT_TAGS]);
  }

  push(text: string): string {
    if (this.parser === undefined && !text.includes('<')) return text;
    this.parser ??= this.newParser();
    this.held += text;
    this.parser.write(text);
    const out = this.cut();
    return this.held.length > this.maxHoldChars ? out + this.flush() : out;
  }

  end(): string {
    return this.flush();
  }

  /** Releases the complete fragments at the front of the held text. */
  private cut(): string {
    const length = this.safe - this.base;
    if (length <= 0) return '';
    const fragment = this.held.slice(0, length);
    this.held = this.held.slice(length);
    this.base = this.safe;
    // Nothing pending: the next plain-text delta may take the fast path again.
    if (this.held.length === 0 && this.depth === 0) this.parser = undefined;
    return this.fragments.sanitize(fragment);
  }

  /** Sanitizes everything held (end of channel, or the hold-back bound reached) and starts afresh. */
  private flush(): string {
    const fragment = this.held;
    this.held = '';
    this.parser = undefined;
    this.depth = 0;
    return fragment.length === 0 ? '' : this.fragments.sanitize(fragment);
  }

  private newParser(): Parser {
    this.base = 0;
    this.safe = 0;
    this.depth = 0;
    const parser: Parser = new Parser(
      {
        onopentag: (name) => {
          if (this.tracked.has(name)) this.depth++;
          this.mark(parser);
        },
        onclosetag: (name, isImplied) => {
          if (this.tracked.has(name) && this.depth > 0) this.depth--;
          // A close implied by another tag (`<p>a<ul>` closes the p) fires inside that tag, and
          // `</p >` fires before its `>`: neither is a safe cut. A void element's close is.
          const atTagEnd = this.held[parser.endIndex - this.base] === '>';
          if (atTagEnd && (!isImplied || VOID_ELEMENTS.has(name))) this.mark(parser);
        },
        ontext: () => this.mark(parser),
        oncommentend: () => this.mark(parser),
        oncdataend: () => this.mark(parser),
        onprocessinginstruction: () => this.mark(parser),
      },
      { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
    );
    return parser;
  }

  private mark(parser: Parser): void {
    if (this.depth === 0) this.safe = parser.endIndex + 1;
  }
}
