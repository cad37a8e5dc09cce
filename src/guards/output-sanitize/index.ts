/**
 * Output guard `output-sanitize`: makes model text safe to render. Markdown images and links to
 * hosts outside the app's allowlist are removed first, then HTML is reduced to the app's allowlist
 * by sanitize-html. Applies to text channels only: tool input is JSON for the app's code, not
 * markup for a browser (the leak scanners still see it).
 */
import type { AppPolicy } from '../../core/policy.js';
import type { OutputChannel } from '../../core/types.js';
import type { RequestContext } from '../../pipeline/context.js';
import { release, type FilterStep, type OutputFilter, type OutputGuard } from '../../pipeline/output.js';
import {
  HtmlFragmentSanitizer,
  StreamingHtmlSanitizer,
  type HtmlPolicy,
} from '../../detect/output/html-stream.js';
import { StreamingLinkFilter, type LinkPolicy } from '../../detect/output/markdown-links.js';
import { HostAllowlist } from '../../detect/output/url-policy.js';
import { MarkdownCodeSplitter, type Segment } from '../../detect/output/markdown-code.js';

interface Prepared {
  readonly html:
    | {
        readonly policy: HtmlPolicy;
        readonly fragments: HtmlFragmentSanitizer;
        readonly maxHold: number;
        /** Code in markdown passes untouched (html.mode markdown). */
        readonly markdown: boolean;
      }
    | undefined;
  readonly links: LinkPolicy | undefined;
}

const prepare = (app: AppPolicy): Prepared => {
  const { html, links } = app.output;
  const hosts = new HostAllowlist(links.allowedDomains);
  const policy: HtmlPolicy | undefined =
    html.mode !== 'off'
      ? {
          allowedTags: html.allowedTags,
          allowedAttributes: html.allowedAttributes,
          allowedSchemes: html.allowedSchemes,
          linkHosts: links.mode === 'off' ? undefined : hosts,
        }
      : undefined;
  return {
    html: policy && {
      policy,
      fragments: new HtmlFragmentSanitizer(policy),
      maxHold: html.maxHoldChars,
      markdown: html.mode === 'markdown',
    },
    links: links.mode === 'off' ? undefined : { hosts, scope: links.mode },
  };
};

const TAG_LIKE = /<[A-Za-z!/?]/;

class SanitizeFilter implements OutputFilter {
  private readonly links: StreamingLinkFilter | undefined;
  private readonly html: StreamingHtmlSanitizer | undefined;
  private readonly code: MarkdownCodeSplitter | undefined;

  constructor(prepared: Prepared, onLinkRemoved: () => void) {
    this.links = prepared.links && new StreamingLinkFilter(prepared.links, onLinkRemoved);
    const html = prepared.html;
    this.html = html && new StreamingHtmlSanitizer(html.fragments, html.policy, html.maxHold);
    this.code = html?.markdown ? new MarkdownCodeSplitter(html.maxHold) : undefined;
  }

  // HTML first, links second: removing a tag can join text into a new markdown link
  // (`![x]<!-- -->(https://evil/...)`), so links are checked on what the sanitizer lets through.
  push(text: string): FilterStep {
    const sanitized = this.sanitize(text, false);
    return release(this.links ? this.links.push(sanitized) : sanitized);
  }

  end(): FilterStep {
    const sanitized = this.sanitize('', true);
    if (!this.links) return release(sanitized);
    return release(this.links.push(sanitized) + this.links.end());
  }

  private sanitize(text: string, final: boolean): string {
    const html = this.html;
    if (!html) return text;
    if (!this.code) return (text.length > 0 ? html.push(text) : '') + (final ? html.end() : '');
    const segments: Segment[] = final ? [...this.code.push(text), ...this.code.end()] : this.code.push(text);
    let out = '';
    for (const segment of segments) {
      // Code leaves as is; prose before it is flushed first so the two never mix in one fragment.
      // Code holding anything tag-like is sanitized like prose: a markdown renderer can still read
      // it as HTML (an HTML block before the fence, CR line endings, a fence closed by a list item).
      const raw = segment.code && !TAG_LIKE.test(segment.text);
      out += raw ? html.end() + segment.text : html.push(segment.text);
    }
    return final ? out + html.end() : out;
  }
}

export function createOutputSanitizeGuard(): OutputGuard {
  // Policies are frozen per app: build the sanitizer options once, not per request.
  const cache = new WeakMap<AppPolicy, Prepared>();
  const preparedFor = (app: AppPolicy): Prepared => {
    let prepared = cache.get(app);
    if (!prepared) {
      prepared = prepare(app);
      cache.set(app, prepared);
    }
    return prepared;
  };
  return {
    name: 'output-sanitize',
    appliesTo: (ctx: RequestContext) =>
      ctx.app !== undefined && (ctx.app.output.html.mode !== 'off' || ctx.app.output.links.mode !== 'off'),
    open: (ctx: RequestContext, channel: OutputChannel) => {
      if (!ctx.app || channel.kind !== 'text') return undefined;
      return new SanitizeFilter(preparedFor(ctx.app), () => {
        if (!ctx.triggers.includes('output.link_removed')) ctx.triggers.push('output.link_removed');
      });
    },
  };
}
