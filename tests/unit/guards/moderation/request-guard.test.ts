import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Decision } from '../../../../src/core/types.js';
import { MAX_INPUT_CHARS, createModerationGuard } from '../../../../src/guards/moderation/index.js';
import { context, startHarness, userBody, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const guard = () => createModerationGuard(h.hooks);
const errorCode = (decision: Decision): string | undefined =>
  decision.action === 'deny' ? decision.error.code : undefined;

describe('moderation request guard', () => {
  it('does nothing (no call) when the app has neither filters nor input moderation', async () => {
    const ctx = context({ body: userBody('I will kill it') });
    expect(await guard().check(ctx)).toEqual({ action: 'allow' });
    expect(h.calls).toHaveLength(0);
  });

  it('refuses a filter hit locally, before any moderation call, and counts it for the end user', async () => {
    const ctx = context({
      moderation: { input: true },
      filters: { keywords: ['frobnicate'] },
      body: userBody('hello', 'please FROBNICATE the thing'),
      endUserId: 'alice@example.com',
    });
    const decision = await guard().check(ctx);
    expect(errorCode(decision)).toBe('content_flagged');
    expect(ctx.triggers).toEqual(['filter.keywords']);
    expect(h.calls).toHaveLength(0);
    expect(h.hits).toEqual([
      {
        app: 'app1',
        subject: { kind: 'user', id: 'u_17al' },
        direction: 'input',
        rules: ['filter.keywords'],
      },
    ]);
    expect(JSON.stringify(h.hits)).not.toContain('alice');
  });

  it('filters with applyTo: output leave inputs alone', async () => {
    const ctx = context({
      filters: { keywords: ['frobnicate'], applyTo: 'output' },
      body: userBody('frobnicate'),
    });
    expect(await guard().check(ctx)).toEqual({ action: 'allow' });
  });

  it('moderates every client text in one call and refuses flagged content, naming categories (not text)', async () => {
    const ctx = context({
      moderation: { input: true },
      body: {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'be nice' },
          { role: 'user', content: [{ type: 'text', text: 'first' }] },
          {
            role: 'assistant',
            content: 'ok',
            tool_calls: [
              { id: 'c', type: 'function', function: { name: 'f', arguments: '{"q":"I will kill"}' } },
            ],
          },
        ],
      },
    });
    const decision = await guard().check(ctx);
    expect(errorCode(decision)).toBe('content_flagged');
    expect(h.calls).toEqual([['be nice', 'first', 'ok', '{"q":"I will kill"}']]);
    expect(ctx.triggers.sort()).toEqual(['moderation.harassment.threatening', 'moderation.violence']);
    expect(h.hits[0]).toMatchObject({ subject: { kind: 'key', id: 'key_1' }, direction: 'input' });
    expect(JSON.stringify(ctx.triggers)).not.toContain('kill');
  });

  it('allows clean text and sends the configured model', async () => {
    const ctx = context({
      moderation: { input: true, model: 'omni-moderation-2024-09-26' },
      body: userBody('a nice day'),
    });
    expect(await guard().check(ctx)).toEqual({ action: 'allow' });
    const sent = h.fake.received.find((request) => request.path === '/v1/moderations');
    expect(sent?.body).toEqual({ model: 'omni-moderation-2024-09-26', input: ['a nice day'] });
  });

  it('thresholds override the provider flags per category; other categories keep the provider flags', async () => {
    const lenient = context({
      moderation: { input: true, thresholds: { violence: 0.95, 'harassment/threatening': 0.5 } },
      body: userBody('I will kill the process'),
    });
    expect(await guard().check(lenient)).toEqual({ action: 'allow' });
    const strict = context({
      moderation: { input: true, thresholds: { hate: 0.25 } },
      body: userBody('borderline [[fake:mod=hate:0.3]]'),
    });
    expect(errorCode(await guard().check(strict))).toBe('content_flagged');
    expect(strict.triggers).toEqual(['moderation.hate']);
    const other = context({
      moderation: { input: true, thresholds: { hate: 0.99 } },
      body: userBody('x [[fake:mod=self-harm/intent]]'),
    });
    expect(errorCode(await guard().check(other))).toBe('content_flagged');
    expect(other.triggers).toEqual(['moderation.self-harm.intent']);
  });

  it("skips the server's system prompt (it carries this request's canary), but not client system text", async () => {
    const ctx = context({
      moderation: { input: true },
      body: {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Confidential reference: cnry_abc123\n\nNever kill the mood.' },
          { role: 'user', content: 'hello' },
        ],
      },
    });
    ctx.systemPrompt = { text: 'Never kill the mood.', canary: 'cnry_abc123' };
    expect(await guard().check(ctx)).toEqual({ action: 'allow' });
    expect(h.calls).toEqual([['hello']]);
  });

  it('splits long texts into pieces and many pieces into several calls', async () => {
    const long = 'word '.repeat(Math.ceil((MAX_INPUT_CHARS * 40) / 5));
    const ctx = context({ moderation: { input: true }, body: userBody(long) });
    expect(await guard().check(ctx)).toEqual({ action: 'allow' });
    const inputs = h.calls.flat();
    expect(inputs.join('')).toBe(long);
    expect(Math.max(...inputs.map((input) => input.length))).toBeLessThanOrEqual(MAX_INPUT_CHARS);
    expect(h.calls.length).toBe(2);
  });

  it('a flag in one call wins over a failure in another, even with onError: allow', async () => {
    const long = 'word '.repeat(Math.ceil((MAX_INPUT_CHARS * 33) / 5));
    h.fake.enqueueModeration({ kind: 'status', status: 500 });
    const ctx = context({
      moderation: { input: true, onError: 'allow' },
      body: userBody(long, 'I will kill'),
    });
    expect(errorCode(await guard().check(ctx))).toBe('content_flagged');
  });

  it.each([
    ['a stall (timeout)', { kind: 'stall' } as const, 'timeout'],
    ['a 500', { kind: 'status', status: 500 } as const, 'upstream_error'],
    ['a malformed body', { kind: 'malformed' } as const, 'upstream_error'],
    ['one result too few', { kind: 'malformed', shape: 'wrong_count' } as const, 'upstream_error'],
  ])('fails closed on %s: moderation_unavailable', async (_name, scenario, reason) => {
    h.fake.enqueueModeration(scenario);
    const ctx = context({ moderation: { input: true, timeoutMs: 200 }, body: userBody('hello') });
    const started = performance.now();
    const decision = await guard().check(ctx);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(errorCode(decision)).toBe('moderation_unavailable');
    expect(ctx.triggers).toEqual(['moderation.unavailable']);
    expect(h.unavailable).toEqual([{ app: 'app1', direction: 'input', allowed: false, reason }]);
  });

  it('with onError: allow, an outage lets the request through and says so', async () => {
    h.fake.enqueueModeration({ kind: 'stall' });
    const ctx = context({
      moderation: { input: true, timeoutMs: 100, onError: 'allow' },
      body: userBody('hello'),
    });
    expect(await guard().check(ctx)).toEqual({ action: 'allow' });
    expect(ctx.triggers).toEqual(['moderation.unavailable.allowed']);
    expect(h.unavailable).toEqual([{ app: 'app1', direction: 'input', allowed: true, reason: 'timeout' }]);
  });

  it('fails closed without a moderation service (no OpenAI provider)', async () => {
    const bare = createModerationGuard({ ...h.hooks, moderation: undefined });
    const ctx = context({ moderation: { input: true }, body: userBody('hello') });
    expect(errorCode(await bare.check(ctx))).toBe('moderation_unavailable');
  });

  it('does not moderate count_tokens (nothing is generated)', async () => {
    const ctx = context({
      moderation: { input: true },
      filters: { keywords: ['kill'] },
      operation: 'anthropic.count_tokens',
      body: userBody('kill'),
    });
    expect(await guard().check(ctx)).toEqual({ action: 'allow' });
    expect(h.calls).toHaveLength(0);
  });
});
