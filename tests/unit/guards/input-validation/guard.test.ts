import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../../src/core/types.js';
import { createInputValidationGuard } from '../../../../src/guards/input-validation/index.js';
import type { RequestContext } from '../../../../src/pipeline/context.js';
import { app, chat, claude, ctxFor, principal } from './helpers.js';

const guard = createInputValidationGuard({ maxJsonDepth: 32 });

const run = async (ctx: RequestContext): Promise<Decision> => guard.check(ctx);

const expectDeny = async (ctx: RequestContext, code: string, param?: string): Promise<void> => {
  const decision = await run(ctx);
  expect(decision.action).toBe('deny');
  if (decision.action !== 'deny') return;
  expect(decision.error.code).toBe(code);
  if (param !== undefined) expect(decision.error.param).toBe(param);
};

describe('input-validation guard: preconditions and shape', () => {
  it('fails closed without app or principal', async () => {
    await expectDeny(ctxFor('openai.chat', chat(), { app: undefined }), 'internal_error');
    await expectDeny(ctxFor('openai.chat', chat(), { principal: undefined }), 'internal_error');
  });

  it('refuses deep nesting (10k levels, built iteratively) without a stack overflow', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    await expectDeny(ctxFor('openai.chat', chat({ metadata: deep as object })), 'json_too_deep');
  });

  it('refuses 1e999', async () => {
    await expectDeny(
      ctxFor('openai.chat', JSON.parse('{"model":"gpt-4o","messages":[],"temperature":1e999}')),
      'non_finite_number',
    );
  });
});

describe('input-validation guard: model and stream', () => {
  it('overwrites the http guesses of model and stream with validated values', async () => {
    const ctx = ctxFor('openai.chat', chat({ stream: true }));
    expect(await run(ctx)).toEqual({ action: 'allow' });
    expect(ctx.request.model).toBe('gpt-4o-mini');
    expect(ctx.request.stream).toBe(true);
  });

  it('refuses a malformed model name as invalid_request', async () => {
    await expectDeny(ctxFor('openai.chat', chat({ model: '../gpt-4o' })), 'invalid_request', 'model');
    await expectDeny(ctxFor('openai.chat', chat({ model: 'x'.repeat(129) })), 'invalid_request', 'model');
  });

  it('enforces the app allowlist, the route provider and the key restriction', async () => {
    await expectDeny(ctxFor('openai.chat', chat({ model: 'gpt-5' })), 'model_not_allowed', 'model');
    // An allowlisted Claude model on the OpenAI route (and vice versa) is not served there.
    await expectDeny(
      ctxFor('openai.chat', chat({ model: 'claude-sonnet-4-5' })),
      'model_not_allowed',
      'model',
    );
    await expectDeny(ctxFor('anthropic.messages', claude({ model: 'gpt-4o' })), 'model_not_allowed', 'model');
    const restricted = { principal: principal(['gpt-4o']) };
    await expectDeny(ctxFor('openai.chat', chat(), restricted), 'model_not_allowed', 'model');
    expect((await run(ctxFor('openai.chat', chat({ model: 'gpt-4o' }), restricted))).action).toBe('allow');
  });
});

describe('input-validation guard: counts', () => {
  it('caps messages, tools and n', async () => {
    const many = Array.from({ length: 11 }, () => ({ role: 'user', content: 'hi' }));
    await expectDeny(ctxFor('openai.chat', chat({ messages: many })), 'too_many_messages', 'messages');
    await expectDeny(
      ctxFor('anthropic.messages', claude({ messages: many })),
      'too_many_messages',
      'messages',
    );
    const tools = Array.from({ length: 4 }, (_, i) => ({ type: 'function', function: { name: `f${i}` } }));
    await expectDeny(ctxFor('openai.chat', chat({ tools })), 'too_many_tools', 'tools');
    const claudeTools = Array.from({ length: 4 }, (_, i) => ({
      name: `t${i}`,
      input_schema: { type: 'object' },
    }));
    await expectDeny(ctxFor('anthropic.messages', claude({ tools: claudeTools })), 'too_many_tools', 'tools');
    await expectDeny(ctxFor('openai.chat', chat({ n: 3 })), 'too_many_choices', 'n');
    expect((await run(ctxFor('openai.chat', chat({ n: 2, tools: tools.slice(0, 3) })))).action).toBe('allow');
  });
});

describe('input-validation guard: output cap', () => {
  it('injects max_completion_tokens when missing, without mutating the original body', async () => {
    const body = chat();
    const ctx = ctxFor('openai.chat', body);
    expect((await run(ctx)).action).toBe('allow');
    expect(ctx.request.body).not.toBe(body);
    expect(body).not.toHaveProperty('max_completion_tokens');
    expect(ctx.request.body.max_completion_tokens).toBe(1000);
    expect(ctx.request.body).not.toHaveProperty('max_tokens');
    expect(ctx.maxOutputTokens).toBe(1000);
  });

  it('keeps the client field name (max_tokens) and multiplies the cap by n', async () => {
    const ctx = ctxFor('openai.chat', chat({ max_tokens: 50000, n: 2 }));
    expect((await run(ctx)).action).toBe('allow');
    expect(ctx.request.body.max_tokens).toBe(1000);
    expect(ctx.request.body).not.toHaveProperty('max_completion_tokens');
    expect(ctx.triggers).toContain('max_tokens.clamped');
    expect(ctx.maxOutputTokens).toBe(2000);
  });

  it('leaves a request under the cap untouched', async () => {
    const body = chat({ max_completion_tokens: 10 });
    const ctx = ctxFor('openai.chat', body);
    expect((await run(ctx)).action).toBe('allow');
    expect(ctx.request.body).toBe(body);
    expect(ctx.maxOutputTokens).toBe(10);
    expect(ctx.triggers).toEqual([]);
  });

  it('caps both OpenAI fields when both are sent', async () => {
    const ctx = ctxFor('openai.chat', chat({ max_completion_tokens: 10, max_tokens: 99999 }));
    expect((await run(ctx)).action).toBe('allow');
    expect(ctx.request.body.max_tokens).toBe(1000);
    expect(ctx.request.body.max_completion_tokens).toBe(10);
  });

  it('reject policy refuses with the field name as param', async () => {
    const reject = { app: app({ outputCapPolicy: 'reject' }) };
    await expectDeny(
      ctxFor('openai.chat', chat({ max_completion_tokens: 1001 }), reject),
      'max_tokens_too_large',
      'max_completion_tokens',
    );
    await expectDeny(
      ctxFor('openai.chat', chat({ max_tokens: 1001 }), reject),
      'max_tokens_too_large',
      'max_tokens',
    );
    await expectDeny(
      ctxFor('anthropic.messages', claude({ max_tokens: 1001 }), reject),
      'max_tokens_too_large',
      'max_tokens',
    );
  });

  it('Anthropic: injects max_tokens when missing, clamps above the cap', async () => {
    const { max_tokens: _omit, ...noMax } = claude();
    const injected = ctxFor('anthropic.messages', noMax);
    expect((await run(injected)).action).toBe('allow');
    expect(injected.request.body.max_tokens).toBe(1000);
    const clamped = ctxFor('anthropic.messages', claude({ max_tokens: 64000 }));
    expect((await run(clamped)).action).toBe('allow');
    expect(clamped.request.body.max_tokens).toBe(1000);
    expect(clamped.triggers).toEqual(['max_tokens.clamped']);
    expect(clamped.maxOutputTokens).toBe(1000);
  });

  it('count_tokens gets no output cap and no max_tokens', async () => {
    const body = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] };
    const ctx = ctxFor('anthropic.count_tokens', body);
    expect((await run(ctx)).action).toBe('allow');
    expect(ctx.request.body).toBe(body);
    expect(ctx.maxOutputTokens).toBe(0);
    await expectDeny(
      ctxFor('anthropic.count_tokens', { ...body, max_tokens: 5 }),
      'unsupported_field',
      'max_tokens',
    );
  });
});

describe('input-validation guard: input tokens', () => {
  it('sets ctx.inputTokens for OpenAI (exact) and refuses above maxInputTokens', async () => {
    const ctx = ctxFor('openai.chat', chat());
    expect((await run(ctx)).action).toBe('allow');
    expect(ctx.inputTokens).toBe(9);
    const long = chat({ messages: [{ role: 'user', content: 'word '.repeat(20_000) }] });
    await expectDeny(ctxFor('openai.chat', long), 'input_too_long', 'messages');
  });

  it('refuses a hostile 1 MB prompt quickly', async () => {
    const start = performance.now();
    await expectDeny(
      ctxFor('openai.chat', chat({ messages: [{ role: 'user', content: 'a'.repeat(1 << 20) }] })),
      'input_too_long',
    );
    await expectDeny(
      ctxFor('anthropic.messages', claude({ messages: [{ role: 'user', content: 'z'.repeat(1 << 20) }] })),
      'input_too_long',
    );
    expect(performance.now() - start).toBeLessThan(500);
  });

  it('Anthropic: estimates by default; uses the count_tokens hook when the app asks for it', async () => {
    const estimated = ctxFor('anthropic.messages', claude());
    expect((await run(estimated)).action).toBe('allow');
    expect(estimated.inputTokens).toBeGreaterThan(5);

    const seen: string[] = [];
    const hooked = createInputValidationGuard({
      maxJsonDepth: 32,
      countTokens: async (req) => {
        seen.push(req.model);
        return 12_345;
      },
    });
    const viaHook = ctxFor('anthropic.messages', claude(), {
      app: app({ anthropicTokenCounting: 'count_tokens' }),
    });
    const decision = await hooked.check(viaHook);
    expect(decision.action).toBe('deny');
    expect(viaHook.inputTokens).toBe(12_345);
    expect(seen).toEqual(['claude-sonnet-4-5']);
    // Apps on `estimate` never call the hook.
    expect((await hooked.check(ctxFor('anthropic.messages', claude()))).action).toBe('allow');
    expect(seen).toHaveLength(1);
  });

  it('falls back to the conservative estimate when the hook fails, and records it', async () => {
    const failing = createInputValidationGuard({
      maxJsonDepth: 32,
      countTokens: async () => {
        throw new Error('upstream down');
      },
    });
    const ctx = ctxFor('anthropic.messages', claude(), {
      app: app({ anthropicTokenCounting: 'count_tokens' }),
    });
    expect((await failing.check(ctx)).action).toBe('allow');
    expect(ctx.inputTokens).toBeGreaterThan(5);
    expect(ctx.triggers).toContain('input_tokens.count_tokens_fallback');
  });
});
