/**
 * The input-validation request guard: shape limits, strict per-operation schemas, refused
 * features, model allowlist, count limits, the output cap and the input-token cap, in that order.
 * Runs after auth (needs ctx.app and ctx.principal). Bad input is always a deny, never a throw.
 */
import { GatewayError, type ErrorCode } from '../../core/errors.js';
import { ALLOW, OPERATION_PROVIDER, type Decision, type JsonObject } from '../../core/types.js';
import { checkJsonShape } from '../../detect/json-shape.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { RequestGuard } from '../../pipeline/guard.js';
import { countInputTokens, type CountTokensHook } from './input-tokens.js';
import { applyOutputCap } from './output-cap.js';
import { findRefusedFeature } from './refused-features.js';
import { anthropicCountTokensSchema } from './schemas/anthropic-count-tokens.js';
import { anthropicMessagesSchema } from './schemas/anthropic-messages.js';
import { openAIChatRequestSchema } from './schemas/openai-chat.js';
import { issuesToError } from './zod-issues.js';

export type { CountTokensHook } from './input-tokens.js';

export interface InputValidationOptions {
  /** Maximum JSON nesting depth (`limits.maxJsonDepth`). */
  readonly maxJsonDepth: number;
  /** Anthropic count_tokens hook, for apps with `tokenCounting: count_tokens`. */
  readonly countTokens?: CountTokensHook;
}

export const GUARD_NAME = 'input-validation';
export const TRIGGER_MAX_TOKENS_CLAMPED = 'max_tokens.clamped';
export const TRIGGER_COUNT_FALLBACK = 'input_tokens.count_tokens_fallback';

const deny = (code: ErrorCode, param?: string): Decision => ({
  action: 'deny',
  error: new GatewayError(code, { ...(param !== undefined ? { param } : {}), source: GUARD_NAME }),
});

const validateSchema = (ctx: RequestContext): Decision | undefined => {
  const { operation, body, anthropicVersion } = ctx.request;
  const version = anthropicVersion ?? '2023-06-01';
  const schema =
    operation === 'openai.chat'
      ? openAIChatRequestSchema
      : operation === 'anthropic.messages'
        ? anthropicMessagesSchema(version)
        : anthropicCountTokensSchema(version);
  const result = schema.safeParse(body);
  if (result.success) return undefined;
  return { action: 'deny', error: issuesToError(result.error.issues, GUARD_NAME) };
};

const lengthOf = (value: unknown): number => (Array.isArray(value) ? value.length : 0);

export const createInputValidationGuard = (opts: InputValidationOptions): RequestGuard => ({
  name: GUARD_NAME,
  async check(ctx: RequestContext): Promise<Decision> {
    const { app, principal, request } = ctx;
    // Auth runs first; without its results we cannot apply policy, so refuse (fail closed).
    if (!app || !principal) return deny('internal_error');

    // 1. Structure limits, before any recursive validator touches the body.
    const shape = checkJsonShape(request.body, opts.maxJsonDepth);
    if (shape) return deny(shape);

    // 2. Refused features (explicit reasons), then the strict schema.
    const refused = findRefusedFeature(request.operation, request.body);
    if (refused !== undefined) return deny('unsupported_field', refused);
    const invalid = validateSchema(ctx);
    if (invalid) return invalid;
    const body: JsonObject = request.body;

    // 3. The validated model and stream flag replace the http layer's best guess.
    request.model = body.model as string;
    request.stream = body.stream === true;

    // 4. Model allowlist: the app's list, served by this route's provider, and the key's list.
    const provider = app.models.get(request.model);
    if (provider === undefined || provider !== OPERATION_PROVIDER[request.operation]) {
      return deny('model_not_allowed', 'model');
    }
    if (principal.models !== null && !principal.models.includes(request.model)) {
      return deny('model_not_allowed', 'model');
    }

    // 5. Count limits.
    if (lengthOf(body.messages) > app.maxMessages) return deny('too_many_messages', 'messages');
    if (lengthOf(body.tools) > app.maxTools) return deny('too_many_tools', 'tools');
    if (lengthOf(body.functions) > app.maxTools) return deny('too_many_tools', 'functions');
    if (typeof body.n === 'number' && body.n > app.maxChoices) return deny('too_many_choices', 'n');

    // 6. Output cap (inject, clamp or reject); the body is replaced, never mutated.
    const capped = applyOutputCap(request.operation, body, app);
    if (!capped.ok) return { action: 'deny', error: capped.error };
    if (capped.clamped) ctx.triggers.push(TRIGGER_MAX_TOKENS_CLAMPED);
    request.body = capped.body;
    ctx.maxOutputTokens = capped.maxOutputTokens;

    // 7. Input tokens against the app's cap.
    const counted = await countInputTokens(request, app, opts.countTokens);
    if (counted.fellBack) ctx.triggers.push(TRIGGER_COUNT_FALLBACK);
    ctx.inputTokens = counted.tokens;
    if (counted.tokens > app.maxInputTokens) return deny('input_too_long', 'messages');
    return ALLOW;
  },
});
