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

interface Prepared {
  readonly html:
    | { readonly policy: HtmlPolicy; readonly fragments: HtmlFragmentSanitizer; readonly maxHold: number }
    | undefined;
  readonly links: LinkPolicy | undefined;
}

const prepare = (app: AppPolicy): Prepared => {
  const { html, links } = app.output;
  const hosts = new HostAllowlist(links.allowedDomains);
  const policy: HtmlPolicy | undefined =
    html.mode === 'sanitize'
      ? {
          allowedTags: html.allowedTags,
          allowedAttributes: html.allowedAttributes,
          allowedSchemes: html.allowedSchemes,
          linkHosts: links.mode === 'off' ? undefined : hosts,
        }
      : undefined;
  return {
    html: policy && { policy, fragments: new HtmlFragmentSanitizer(policy), maxHold: html.maxHoldChars },
    links: links.mode === 'off' ? undefined : { hosts, scope: links.mode },
  };
};

class SanitizeFilter implements OutputFilter {
  private readonly links: StreamingLinkFilter | undefined;
  private readonly html: StreamingHtmlSanitizer | undefined;

  constructor(prepared: Prepared, onLinkRemoved: () => void) {
    this.links = prepared.links && new StreamingLinkFilter(prepared.links, onLinkRemoved);
    const html = prepared.html;
    this.html = html && new StreamingHtmlSanitizer(html.fragments, html.policy, html.maxHold);
  }

  push(text: string): FilterStep {
    const linked = this.links ? this.links.push(text) : text;
    return release(this.html && linked.length > 0 ? this.html.push(linked) : linked);
  }

  end(): FilterStep {
    const linked = this.links ? this.links.end() : '';
    if (!this.html) return release(linked);
    return release((linked.length > 0 ? this.html.push(linked) : '') + this.html.end());
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
