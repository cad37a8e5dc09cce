/**
 * Request guard `system-prompt`: for apps whose system prompt lives on the server. The client's own
 * system/developer messages are refused (`system_prompt_not_allowed`) or stripped, per app; the
 * server's prompt goes upstream with a fresh canary in front of it; the canary and prompt are put
 * on the context for the leak scan of the output; and the prompt's tokens are added to the counted
 * input, so the input cap, rate limits and budget (which run after this guard) see the true size.
 *
 * Runs after input validation (the body is schema-valid and its tokens are counted) and before
 * rate limits, injection screening and the budget reservation.
 */
import { GatewayError } from '../../core/errors.js';
import { ALLOW } from '../../core/types.js';
import type { Decision } from '../../core/types.js';
import { newCanary, promptWithCanary } from '../../detect/leak/canary.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { RequestGuard } from '../../pipeline/guard.js';
import { hasClientSystem, withServerPrompt } from './client-messages.js';
import { addedPromptTokens } from './prompt-tokens.js';

export const SYSTEM_PROMPT_GUARD = 'system-prompt';
export const TRIGGER_STRIPPED = 'system_prompt.client_messages_stripped';

export interface SystemPromptGuardOptions {
  /** Canary source; default: 100 random bits from the CSPRNG (tests pin it). */
  readonly canary?: () => string;
}

const deny = (code: 'system_prompt_not_allowed' | 'input_too_long', param: string): Decision => ({
  action: 'deny',
  error: new GatewayError(code, { param, source: SYSTEM_PROMPT_GUARD }),
});

/** Synchronous: the prompt is in memory and counting it is cached. */
export type SystemPromptGuard = Omit<RequestGuard, 'check'> & { check(ctx: RequestContext): Decision };

export function createSystemPromptGuard(options: SystemPromptGuardOptions = {}): SystemPromptGuard {
  const canaryOf = options.canary ?? newCanary;
  return {
    name: SYSTEM_PROMPT_GUARD,
    check(ctx: RequestContext): Decision {
      const { app, request } = ctx;
      if (app === undefined)
        throw new Error('system-prompt guard: no app on the context (auth must run first)');
      const policy = app.systemPrompt;
      if (policy === undefined) return ALLOW;
      if (ctx.inputTokens === undefined) {
        throw new Error('system-prompt guard: input tokens not counted (input validation must run first)');
      }

      if (hasClientSystem(request.wire, request.body)) {
        if (policy.clientMessages === 'refuse') {
          return deny('system_prompt_not_allowed', request.wire === 'openai' ? 'messages' : 'system');
        }
        ctx.triggers.push(TRIGGER_STRIPPED);
      }

      const canary = canaryOf();
      const protectedPrompt = Object.freeze({ text: policy.text, canary });
      const canaryLine = promptWithCanary({ text: '', canary });
      // Counted before the body changes: the input count above may include stripped client system
      // messages, which only over-counts (safe for caps and reservations).
      ctx.inputTokens += addedPromptTokens(policy, canaryLine, request.wire, request.model);
      if (ctx.inputTokens > app.maxInputTokens) return deny('input_too_long', 'messages');

      request.body = withServerPrompt(request.wire, request.body, promptWithCanary(protectedPrompt));
      ctx.systemPrompt = protectedPrompt;
      return ALLOW;
    },
  };
}
