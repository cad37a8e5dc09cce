/**
 * Output guard `output-dlp`: credentials and (opt-in) personal data in model output are redacted
 * or blocked, on every channel including tool arguments (a model can leak through a tool call as
 * well as through text). Streams keep a bounded window (dlp.holdChars, extended to the start of
 * the word it cuts, at most MAX_TOKEN_CHARS more) so a key split across deltas is seen whole.
 */
import { GatewayError } from '../../core/errors.js';
import type { AppPolicy } from '../../core/policy.js';
import type { RequestContext } from '../../pipeline/context.js';
import {
  block,
  release,
  type FilterStep,
  type OutputFilter,
  type OutputGuard,
} from '../../pipeline/output.js';
import { findLeaks, type LeakMatch, type LeakScanOptions } from '../../detect/output/leaks.js';
import { ScanWindow } from '../../detect/output/scan-window.js';

/** Longest single word (a key, a JWT) the window extends to before it cuts anyway. */
const MAX_TOKEN_CHARS = 8192;
/** Characters that must follow a match before it is final (a separator, then a non-matching run). */
const SETTLE_CHARS = 8;

const actionFor = (app: AppPolicy, match: LeakMatch): 'redact' | 'block' | 'off' =>
  match.rule.startsWith('secret.') ? app.output.dlp.secrets : app.output.dlp.pii;

const placeholder = (match: LeakMatch): string =>
  `[redacted:${match.rule.startsWith('secret.') ? 'secret' : match.rule.slice('pii.'.length)}]`;

class DlpFilter implements OutputFilter {
  private readonly window: ScanWindow;

  constructor(
    private readonly ctx: RequestContext,
    private readonly app: AppPolicy,
    private readonly options: LeakScanOptions,
  ) {
    this.window = new ScanWindow(app.output.dlp.holdChars, MAX_TOKEN_CHARS);
  }

  push(text: string): FilterStep {
    return this.scan(this.window.add(text), false);
  }

  end(): FilterStep {
    return this.scan(this.window.add(''), true);
  }

  private scan(held: string, final: boolean): FilterStep {
    // A match that ends near the end of the held text may still grow (the rest of a key, more
    // digits): act on it once SETTLE_CHARS more characters have arrived, or at the end.
    const found = findLeaks(held, this.options);
    const matches = found.filter(
      (match) => final || match.index + match.length + SETTLE_CHARS <= held.length,
    );
    // Nothing from the start of an unsettled match leaves until it settles (bounded by the window).
    const unsettled = found.find((match) => !matches.includes(match));
    if (matches.length > 0) {
      for (const match of matches) this.trigger(`output_dlp.${match.rule}`);
      if (matches.some((match) => actionFor(this.app, match) === 'block'))
        return block(new GatewayError('output_blocked', { source: 'output-dlp' }));
      let redacted = '';
      let from = 0;
      for (const match of matches) {
        redacted += held.slice(from, match.index) + placeholder(match);
        from = match.index + match.length;
      }
      this.window.replace(redacted + held.slice(from));
    }
    return release(this.window.take(final, unsettled?.index));
  }

  private trigger(id: string): void {
    if (!this.ctx.triggers.includes(id)) this.ctx.triggers.push(id);
  }
}

export function createOutputDlpGuard(): OutputGuard {
  const options = (app: AppPolicy): LeakScanOptions => ({
    secrets: app.output.dlp.secrets !== 'off',
    pii: app.output.dlp.pii === 'off' ? [] : app.output.dlp.piiTypes,
  });
  return {
    name: 'output-dlp',
    appliesTo: (ctx) =>
      ctx.app !== undefined && (ctx.app.output.dlp.secrets !== 'off' || ctx.app.output.dlp.pii !== 'off'),
    open: (ctx) => (ctx.app ? new DlpFilter(ctx, ctx.app, options(ctx.app)) : undefined),
  };
}
