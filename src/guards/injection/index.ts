/**
 * The prompt-injection request guard: scores every text field with the detector (normalisation,
 * decoded views, rules, classifier) and, per app, blocks, flags (audit trigger only) or skips.
 * Runs after rate limits (abusive clients are limited before they cost detector CPU) and before the
 * budget reservation (a refused request reserves nothing).
 */
import { GatewayError } from '../../core/errors.js';
import { ALLOW } from '../../core/types.js';
import type { Decision } from '../../core/types.js';
import type { InjectionDetector } from '../../detect/injection/index.js';
import { promptWithCanary } from '../../detect/leak/canary.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { RequestGuard } from '../../pipeline/guard.js';
import { requestTexts } from './texts.js';

export interface InjectionGuardOptions {
  readonly detector: Pick<InjectionDetector, 'score'>;
  /** Called once per request the screen fires on (for alerting on repeated hits). */
  readonly onDetected?: (appId: string, blocked: boolean) => void;
}

export function createInjectionGuard(options: InjectionGuardOptions): RequestGuard {
  return {
    name: 'injection',
    check(ctx: RequestContext): Decision {
      const app = ctx.app;
      if (app === undefined) throw new Error('injection guard: no app on the context (auth must run first)');
      const policy = app.injection;
      if (policy.action === 'off' || ctx.request.operation === 'anthropic.count_tokens') return ALLOW;

      // The app's own server-side prompt (sent with this request's canary) is operator text, not input.
      const serverPrompt = ctx.systemPrompt && promptWithCanary(ctx.systemPrompt);
      let best = 0;
      let rule: string | undefined;
      for (const text of requestTexts(ctx.request.body)) {
        if (text === serverPrompt) continue;
        const result = options.detector.score(text);
        if (result.score > best) {
          best = result.score;
          rule = result.rules[0];
        }
        if (best >= policy.threshold && policy.action === 'block') break;
      }
      if (best < policy.threshold) return ALLOW;

      // Triggers name the rule (or the classifier), never the text.
      const trigger = rule === undefined ? 'injection.classifier' : `injection.rule.${rule}`;
      options.onDetected?.(app.id, policy.action === 'block');
      if (policy.action === 'flag') {
        ctx.triggers.push(`${trigger}.flagged`);
        return ALLOW;
      }
      ctx.triggers.push(trigger);
      return {
        action: 'deny',
        error: new GatewayError('prompt_injection_detected', { source: 'injection', detail: trigger }),
      };
    },
  };
}
