/**
 * The output cap: every generating request leaves with an explicit output limit no higher than
 * the app's `maxOutputTokens`, so the budget can reserve the true worst case before the call.
 * A missing limit is injected; a higher one is lowered (`clamp`) or refused (`reject`).
 */
import { GatewayError } from '../../core/errors.js';
import type { AppPolicy } from '../../core/policy.js';
import type { JsonObject, Operation } from '../../core/types.js';

export type OutputCapResult =
  | {
      readonly ok: true;
      /** The body to forward: the same object when nothing changed, else a shallow copy. */
      readonly body: JsonObject;
      /** Worst-case output tokens of the whole request (OpenAI: per-choice cap x n). */
      readonly maxOutputTokens: number;
      readonly clamped: boolean;
    }
  | { readonly ok: false; readonly error: GatewayError };

const SOURCE = 'input-validation';

/**
 * OpenAI has two output fields. max_completion_tokens is current; max_tokens is deprecated but a
 * client that sends it keeps it (some backends only know it). Every field present is capped, so a
 * client cannot slip a large value through the one we did not look at.
 */
const OPENAI_FIELDS = ['max_completion_tokens', 'max_tokens'] as const;

const readLimit = (body: JsonObject, field: string): number | undefined => {
  const value = body[field];
  return typeof value === 'number' ? value : undefined;
};

export const applyOutputCap = (operation: Operation, body: JsonObject, app: AppPolicy): OutputCapResult => {
  if (operation === 'anthropic.count_tokens') return { ok: true, body, maxOutputTokens: 0, clamped: false };
  const cap = app.maxOutputTokens;
  const fields = operation === 'openai.chat' ? OPENAI_FIELDS : (['max_tokens'] as const);
  const present = fields.filter((field) => readLimit(body, field) !== undefined);
  let next: JsonObject = body;
  let clamped = false;
  let worst = 0;
  if (present.length === 0) {
    // Inject: OpenAI gets the current field name; Anthropic requires max_tokens anyway.
    next = { ...body, [fields[0]]: cap };
    worst = cap;
  }
  for (const field of present) {
    const requested = readLimit(body, field) as number;
    if (requested > cap) {
      if (app.outputCapPolicy === 'reject') {
        return {
          ok: false,
          error: new GatewayError('max_tokens_too_large', { param: field, source: SOURCE }),
        };
      }
      if (next === body) next = { ...body };
      next[field] = cap;
      clamped = true;
      worst = Math.max(worst, cap);
    } else worst = Math.max(worst, requested);
  }
  const choices = operation === 'openai.chat' && typeof body.n === 'number' ? body.n : 1;
  return { ok: true, body: next, maxOutputTokens: worst * choices, clamped };
};
