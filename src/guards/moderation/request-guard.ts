/**
 * The `moderation` request guard: every client text field (the same fields the injection guard
 * scores; the server's own system prompt is skipped) goes first through the app's local filters
 * (keywords, regexes, profiles), then, when `moderation.input` is on, through the moderation
 * service, before the model is called. A hit refuses with `content_flagged`; a moderation outage
 * refuses with `moderation_unavailable` unless the app chose `onError: allow`. Triggers name rules
 * and categories, never text.
 */
import { GatewayError } from '../../core/errors.js';
import { ALLOW } from '../../core/types.js';
import type { Decision } from '../../core/types.js';
import { compileFilters } from '../../detect/content-filters/compile.js';
import { filterView } from '../../detect/content-filters/view.js';
import { requestTexts } from '../../detect/request-texts.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { RequestGuard } from '../../pipeline/guard.js';
import type { ModerationHooks } from './port.js';
import {
  categoryTrigger,
  flaggedCategories,
  hitSubject,
  moderateWithDeadline,
  unavailableError,
} from './verdict.js';

/** Long texts are sent in pieces of at most this many characters (well under the model's input limit). */
export const MAX_INPUT_CHARS = 8_000;
/** Inputs per moderation call; more pieces mean several calls, made concurrently. */
export const MAX_INPUTS_PER_CALL = 32;

export interface ModerationGuardOptions extends ModerationHooks {
  /** Runner timeout: above the longest configured moderation timeout, so the guard's own deadline fires first. */
  readonly timeoutMs?: number;
}

/** Pieces of at most MAX_INPUT_CHARS, never splitting a surrogate pair. */
export function pieces(texts: readonly string[]): string[] {
  const out: string[] = [];
  for (const text of texts) {
    let at = 0;
    while (at < text.length) {
      let end = Math.min(text.length, at + MAX_INPUT_CHARS);
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
      out.push(text.slice(at, end));
      at = end;
    }
  }
  return out;
}

export function createModerationGuard(options: ModerationGuardOptions): RequestGuard {
  const flag = (ctx: RequestContext, rules: string[]): Decision => {
    const app = ctx.app as NonNullable<RequestContext['app']>;
    ctx.triggers.push(...rules);
    options.onHit?.({
      app: app.id,
      subject: hitSubject(ctx, options.pseudonymize),
      direction: 'input',
      rules,
    });
    return {
      action: 'deny',
      error: new GatewayError('content_flagged', { source: 'moderation', detail: rules[0] }),
    };
  };

  return {
    name: 'moderation',
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    async check(ctx: RequestContext): Promise<Decision> {
      const app = ctx.app;
      if (app === undefined) throw new Error('moderation guard: no app on the context (auth must run first)');
      // count_tokens generates nothing; like the injection screen, it is not moderated.
      if (ctx.request.operation === 'anthropic.count_tokens') return ALLOW;
      const filters = compileFilters(app.filters);
      const moderation = app.moderation;
      if (!filters.input && !moderation.input) return ALLOW;

      // The server's own system prompt carries this request's canary; it is not client text.
      const canary = ctx.systemPrompt?.canary;
      const texts = requestTexts(ctx.request.body).filter(
        (text) => canary === undefined || !text.includes(canary),
      );
      if (texts.length === 0) return ALLOW;

      // Local filters first: a hit costs no moderation call.
      if (filters.input) {
        for (const text of texts) {
          const rule = filters.firstMatch(filterView(text), 0, true);
          if (rule !== undefined) return flag(ctx, [`filter.${rule}`]);
        }
      }
      if (!moderation.input) return ALLOW;

      const inputs = pieces(texts);
      const batches: string[][] = [];
      for (let i = 0; i < inputs.length; i += MAX_INPUTS_PER_CALL) {
        batches.push(inputs.slice(i, i + MAX_INPUTS_PER_CALL));
      }
      const results = await Promise.all(
        batches.map((batch) =>
          moderateWithDeadline(options.moderation, batch, moderation, ctx.request.signal),
        ),
      );
      // A flag anywhere decides, even when another batch failed: a refusal is never turned into a pass.
      const categories = new Set<string>();
      for (const result of results) {
        if (!('verdicts' in result)) continue;
        for (const verdict of result.verdicts) {
          for (const category of flaggedCategories(verdict, moderation.thresholds)) categories.add(category);
        }
      }
      if (categories.size > 0) {
        return flag(
          ctx,
          [...categories].map((category) => categoryTrigger('moderation', category)),
        );
      }
      const failed = results.find((result) => 'failed' in result);
      if (failed === undefined || !('failed' in failed)) return ALLOW;
      const allowed = moderation.onError === 'allow';
      options.onUnavailable?.({ app: app.id, direction: 'input', allowed, reason: failed.failed });
      if (allowed) {
        ctx.triggers.push('moderation.unavailable.allowed');
        return ALLOW;
      }
      ctx.triggers.push('moderation.unavailable');
      return { action: 'deny', error: unavailableError('moderation', failed.failed) };
    },
  };
}
