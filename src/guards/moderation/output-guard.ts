/**
 * The `moderation-output` output guard, per channel of model output (text and tool input alike):
 *
 * 1. the app's local filters (when they apply to output), through a FilterScanner: it holds back at
 *    most about 2 x (longest possible match + 1) characters, so nothing it would block leaves early;
 * 2. when `moderation.output` is on, text is held in windows of `outputWindowChars` and each window
 *    is moderated before it is released; the last, partial window is moderated when the channel
 *    ends. Each window is sent with the tail of the text before it (OVERLAP characters), so content
 *    that straddles a window boundary is judged in context. Complete windows that arrive together
 *    (a JSON response, a large delta) go in one call.
 *
 * A hit blocks with `output_blocked` (a stream ends with an error event; nothing of the flagged
 * window was sent). A moderation outage blocks with `moderation_unavailable` unless the app chose
 * `onError: allow`. The hold-back bound is the filter bound plus one window.
 */
import { GatewayError } from '../../core/errors.js';
import type { ModerationPolicy } from '../../core/policy.js';
import type { OutputChannel } from '../../core/types.js';
import { compileFilters } from '../../detect/content-filters/compile.js';
import { FilterScanner } from '../../detect/content-filters/scanner.js';
import type { RequestContext } from '../../pipeline/context.js';
import { block, release } from '../../pipeline/output.js';
import type { FilterStep, OutputFilter, OutputGuard } from '../../pipeline/output.js';
import type { ModerationHooks } from './port.js';
import { MAX_INPUTS_PER_CALL } from './request-guard.js';
import {
  categoryTrigger,
  flaggedCategories,
  hitSubject,
  moderateWithDeadline,
  unavailableError,
} from './verdict.js';

const NAME = 'moderation-output';
/** Characters of already-released text sent in front of a window, for context. */
export const OVERLAP_CHARS = 200;

export interface ModerationOutputGuardOptions extends ModerationHooks {
  /** Per-step timeout: above the longest configured moderation timeout. */
  readonly timeoutMs?: number;
}

/** End of the first window: `size` characters, one less rather than split a surrogate pair. */
const windowEnd = (text: string, size: number): number => {
  const last = text.charCodeAt(size - 1);
  return last >= 0xd800 && last <= 0xdbff ? size - 1 : size;
};

class ChannelFilter implements OutputFilter {
  private readonly scanner: FilterScanner | undefined;
  private readonly moderation: ModerationPolicy | undefined;
  private held = '';
  private context = '';

  constructor(
    private readonly ctx: RequestContext,
    private readonly options: ModerationOutputGuardOptions,
  ) {
    const app = ctx.app as NonNullable<RequestContext['app']>;
    const filters = compileFilters(app.filters);
    this.scanner = filters.output ? new FilterScanner(filters) : undefined;
    this.moderation = app.moderation.output ? app.moderation : undefined;
  }

  async push(text: string): Promise<FilterStep> {
    let out = text;
    if (this.scanner) {
      const step = this.scanner.push(text);
      if ('hit' in step) return this.hit([`${NAME}.filter.${step.hit}`]);
      out = step.release;
    }
    return this.moderation ? this.windows(out, false) : release(out);
  }

  async end(): Promise<FilterStep> {
    let out = '';
    if (this.scanner) {
      const step = this.scanner.end();
      if ('hit' in step) return this.hit([`${NAME}.filter.${step.hit}`]);
      out = step.release;
    }
    return this.moderation ? this.windows(out, true) : release(out);
  }

  /** Adds text to the held window(s); moderates and releases every complete window (and the rest at the end). */
  private async windows(text: string, final: boolean): Promise<FilterStep> {
    const policy = this.moderation as ModerationPolicy;
    this.held += text;
    const windows: string[] = [];
    while (this.held.length >= policy.outputWindowChars) {
      const end = windowEnd(this.held, policy.outputWindowChars);
      windows.push(this.held.slice(0, end));
      this.held = this.held.slice(end);
    }
    if (final && this.held.length > 0) {
      windows.push(this.held);
      this.held = '';
    }
    if (windows.length === 0) return release('');
    const inputs: string[] = [];
    let context = this.context;
    for (const window of windows) {
      inputs.push(context + window);
      context = (context + window).slice(-OVERLAP_CHARS);
    }
    // Whitespace-only windows need no opinion.
    const toCheck = inputs
      .map((input, index) => ({ input, index }))
      .filter(({ input }) => input.trim() !== '');
    const step = await this.check(
      toCheck.map(({ input }) => input),
      policy,
    );
    if (step !== undefined) return step;
    this.context = context;
    return release(windows.join(''));
  }

  /** undefined when every input passed; otherwise the step that ends the response. */
  private async check(inputs: string[], policy: ModerationPolicy): Promise<FilterStep | undefined> {
    if (inputs.length === 0) return undefined;
    const calls: Promise<Awaited<ReturnType<typeof moderateWithDeadline>>>[] = [];
    for (let i = 0; i < inputs.length; i += MAX_INPUTS_PER_CALL) {
      calls.push(
        moderateWithDeadline(
          this.options.moderation,
          inputs.slice(i, i + MAX_INPUTS_PER_CALL),
          policy,
          this.ctx.request.signal,
        ),
      );
    }
    const results = await Promise.all(calls);
    const categories = new Set<string>();
    for (const result of results) {
      if (!('verdicts' in result)) continue;
      for (const verdict of result.verdicts) {
        for (const category of flaggedCategories(verdict, policy.thresholds)) categories.add(category);
      }
    }
    if (categories.size > 0)
      return this.hit([...categories].map((category) => categoryTrigger(NAME, category)));
    const failed = results.find((result) => 'failed' in result);
    if (failed === undefined || !('failed' in failed)) return undefined;
    const app = this.ctx.app as NonNullable<RequestContext['app']>;
    const allowed = policy.onError === 'allow';
    this.options.onUnavailable?.({ app: app.id, direction: 'output', allowed, reason: failed.failed });
    const trigger = allowed ? `${NAME}.unavailable.allowed` : `${NAME}.unavailable`;
    if (!this.ctx.triggers.includes(trigger)) this.ctx.triggers.push(trigger);
    return allowed ? undefined : block(unavailableError(NAME, failed.failed));
  }

  private hit(rules: string[]): FilterStep {
    const app = this.ctx.app as NonNullable<RequestContext['app']>;
    this.ctx.triggers.push(...rules);
    this.options.onHit?.({
      app: app.id,
      subject: hitSubject(this.ctx, this.options.pseudonymize),
      direction: 'output',
      rules,
    });
    return block(new GatewayError('output_blocked', { source: NAME, detail: rules[0] }));
  }
}

export function createModerationOutputGuard(options: ModerationOutputGuardOptions): OutputGuard {
  return {
    name: NAME,
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    appliesTo(ctx: RequestContext): boolean {
      const app = ctx.app;
      if (app === undefined) return false;
      return app.moderation.output || compileFilters(app.filters).output;
    },
    open(ctx: RequestContext, _channel: OutputChannel): OutputFilter {
      return new ChannelFilter(ctx, options);
    },
  };
}
