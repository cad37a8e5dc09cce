import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../src/core/errors.js';
import type { Decision, Usage } from '../../../../src/core/types.js';
import type { RequestGuard } from '../../../../src/pipeline/guard.js';
import type { RequestContext, SettleInfo } from '../../../../src/pipeline/context.js';
import { MemoryCounterStore } from '../../../../src/stores/memory/index.js';
import { appWith, ctxFor, pseudonymize, RecordingCounterStore, setup } from './helpers.js';
import type { CtxOptions } from './helpers.js';

const MINUTE = 60;
const usage = (inputTokens: number, outputTokens: number, cached = 0, cacheWrite = 0): Usage => ({
  inputTokens,
  outputTokens,
  cachedInputTokens: cached,
  cacheWriteTokens: cacheWrite,
});
const completed = (u: Usage | undefined): SettleInfo => ({
  outcome: 'completed',
  usage: u,
  upstreamCalled: true,
});

const settle = async (guard: RequestGuard, ctx: RequestContext, info: SettleInfo) => {
  await guard.settle?.(ctx, info);
};

const errorOf = (decision: Decision): GatewayError => {
  if (decision.action !== 'deny') throw new Error('expected a denial');
  return decision.error;
};

describe('rate-limit guard: request and token scopes', () => {
  it('limits requests per key, with retry-after, trigger and metric hook', async () => {
    const { guard, hits, clock } = setup();
    const app = appWith({ perKey: { requests: { limit: 2, windowSeconds: MINUTE } } });
    expect((await guard.check(ctxFor(app))).action).toBe('allow');
    expect((await guard.check(ctxFor(app))).action).toBe('allow');
    const ctx = ctxFor(app);
    const error = errorOf(await guard.check(ctx));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterSeconds).toBe(30); // emission interval 60 s / 2
    expect(ctx.triggers).toEqual(['rate_limit.key.requests']);
    expect(hits).toEqual(['key_requests']);
    // Another key has its own bucket.
    expect((await guard.check(ctxFor(app, { keyId: 'key2' }))).action).toBe('allow');
    clock.advance(30_000);
    expect((await guard.check(ctxFor(app))).action).toBe('allow');
  });

  it('limits tokens per key at counted input + enforced output cap', async () => {
    const { guard, hits } = setup();
    const app = appWith({ perKey: { tokens: { limit: 1000, windowSeconds: MINUTE } } });
    const opts: CtxOptions = { inputTokens: 100, maxOutputTokens: 300 }; // cost 400
    expect((await guard.check(ctxFor(app, opts))).action).toBe('allow');
    expect((await guard.check(ctxFor(app, opts))).action).toBe('allow');
    const ctx = ctxFor(app, opts);
    expect(errorOf(await guard.check(ctx)).code).toBe('rate_limited');
    expect(ctx.triggers).toEqual(['rate_limit.key.tokens']);
    expect(hits).toEqual(['key_tokens']);
    // A smaller request still fits the 200 tokens left.
    expect((await guard.check(ctxFor(app, { inputTokens: 50, maxOutputTokens: 150 }))).action).toBe('allow');
  });

  it('limits verified end users by pseudonym, each user apart', async () => {
    const { guard, store, hits } = setup();
    const app = appWith({ perUser: { requests: { limit: 1, windowSeconds: MINUTE } } });
    const alice: CtxOptions = { endUserId: 'alice@example.com', endUserVerified: true };
    expect((await guard.check(ctxFor(app, alice))).action).toBe('allow');
    const ctx = ctxFor(app, alice);
    expect((await guard.check(ctx)).action).toBe('deny');
    expect(ctx.triggers).toEqual(['rate_limit.user.requests']);
    expect(hits).toEqual(['user_requests']);
    expect(
      (await guard.check(ctxFor(app, { endUserId: 'bob@example.com', endUserVerified: true }))).action,
    ).toBe('allow');
    expect(store.keys).toContain(`app1:rl:user:${pseudonymize('alice@example.com')}:requests`);
  });

  it('ignores unverified end-user ids for the per-user limit', async () => {
    const { guard, store } = setup();
    const app = appWith({ perUser: { requests: { limit: 1, windowSeconds: MINUTE } } });
    for (let i = 0; i < 3; i++) {
      expect((await guard.check(ctxFor(app, { endUserId: 'mallory', endUserVerified: false }))).action).toBe(
        'allow',
      );
    }
    expect(store.keys).toEqual([]);
  });

  it('limits client IPs by pseudonym, each IP apart', async () => {
    const { guard, store } = setup();
    const app = appWith({ perIp: { requests: { limit: 1, windowSeconds: MINUTE } } });
    expect((await guard.check(ctxFor(app, { clientIp: '198.51.100.1' }))).action).toBe('allow');
    const ctx = ctxFor(app, { clientIp: '198.51.100.1', keyId: 'other-key' });
    expect((await guard.check(ctx)).action).toBe('deny');
    expect(ctx.triggers).toEqual(['rate_limit.ip.requests']);
    expect((await guard.check(ctxFor(app, { clientIp: '198.51.100.2' }))).action).toBe('allow');
    expect(store.keys[0]).toBe(`app1:rl:ip:${pseudonymize('198.51.100.1')}:requests`);
  });

  it('applies a per-model limit only to that model', async () => {
    const { guard } = setup();
    const app = appWith({ perModel: { 'gpt-4o-mini': { tokens: { limit: 500, windowSeconds: MINUTE } } } });
    expect((await guard.check(ctxFor(app))).action).toBe('allow');
    const ctx = ctxFor(app);
    expect((await guard.check(ctx)).action).toBe('deny');
    expect(ctx.triggers).toEqual(['rate_limit.model.tokens']);
    expect(
      (await guard.check(ctxFor(app, { model: 'claude-sonnet-4-5', operation: 'anthropic.messages' })))
        .action,
    ).toBe('allow');
  });

  it('applies the global limit across keys, users and IPs', async () => {
    const { guard, hits } = setup();
    const app = appWith({ global: { requests: { limit: 2, windowSeconds: MINUTE } } });
    expect((await guard.check(ctxFor(app, { keyId: 'a', clientIp: '192.0.2.1' }))).action).toBe('allow');
    expect((await guard.check(ctxFor(app, { keyId: 'b', clientIp: '192.0.2.2' }))).action).toBe('allow');
    const ctx = ctxFor(app, { keyId: 'c', clientIp: '192.0.2.3' });
    expect((await guard.check(ctx)).action).toBe('deny');
    expect(ctx.triggers).toEqual(['rate_limit.global.requests']);
    expect(hits).toEqual(['global_requests']);
  });

  it('charges count_tokens requests against request limits only', async () => {
    const { guard, store } = setup();
    const app = appWith({
      perKey: { requests: { limit: 2, windowSeconds: MINUTE }, tokens: { limit: 10, windowSeconds: MINUTE } },
    });
    const countTokens: CtxOptions = { operation: 'anthropic.count_tokens', model: 'claude-sonnet-4-5' };
    const ctx = ctxFor(app, { ...countTokens, inputTokens: 5000, maxOutputTokens: undefined });
    expect((await guard.check(ctx)).action).toBe('allow');
    expect(store.keys).toEqual(['app1:rl:key:key1:requests']);
    expect(Object.keys(ctx.responseHeaders).some((h) => h.includes('tokens'))).toBe(false);
    expect((await guard.check(ctxFor(app, countTokens))).action).toBe('allow');
    expect((await guard.check(ctxFor(app, countTokens))).action).toBe('deny');
  });

  it('never puts a raw end-user id or IP in a store key', async () => {
    const { guard, store } = setup();
    const limits = {
      requests: { limit: 5, windowSeconds: MINUTE },
      tokens: { limit: 5000, windowSeconds: MINUTE },
    };
    const app = appWith({
      perKey: limits,
      perUser: limits,
      perIp: limits,
      global: limits,
      maxConcurrentPerKey: 3,
    });
    await guard.check(
      ctxFor(app, { endUserId: 'carol@example.com', endUserVerified: true, clientIp: '10.1.2.3' }),
    );
    expect(store.keys).toHaveLength(9);
    for (const key of store.keys) {
      expect(key).not.toContain('carol');
      expect(key).not.toContain('10.1.2.3');
    }
  });
});

describe('rate-limit guard: all-or-nothing admission', () => {
  it('refunds earlier buckets when a later one refuses', async () => {
    const { guard, store } = setup();
    const app = appWith({
      perKey: {
        requests: { limit: 2, windowSeconds: MINUTE },
        tokens: { limit: 10_000, windowSeconds: MINUTE },
      },
      perModel: { 'gpt-4o': { requests: { limit: 1, windowSeconds: MINUTE } } },
    });
    expect((await guard.check(ctxFor(app, { model: 'gpt-4o' }))).action).toBe('allow');
    // Refused by the model bucket: the key's request and token consumes must be given back.
    expect((await guard.check(ctxFor(app, { model: 'gpt-4o' }))).action).toBe('deny');
    expect(store.refunds).toEqual([
      { key: 'app1:rl:key:key1:requests', cost: 1 },
      { key: 'app1:rl:key:key1:tokens', cost: 400 },
    ]);
    // So the key still has exactly one request left.
    expect((await guard.check(ctxFor(app))).action).toBe('allow');
    const ctx = ctxFor(app);
    expect((await guard.check(ctx)).action).toBe('deny');
    expect(ctx.triggers).toEqual(['rate_limit.key.requests']);
  });

  it('refunds what was taken and rethrows when the store fails half-way', async () => {
    const inner = new MemoryCounterStore();
    let failOn = 'app1:rl:global:_:requests';
    const failing = new RecordingCounterStore(inner);
    const consume = failing.consume.bind(failing);
    failing.consume = (key, cost, limit, windowMs) =>
      key === failOn ? Promise.reject(new Error('store down')) : consume(key, cost, limit, windowMs);
    const { guard } = setup({ counters: failing });
    const app = appWith({
      perKey: { requests: { limit: 1, windowSeconds: MINUTE } },
      global: { requests: { limit: 10, windowSeconds: MINUTE } },
      maxConcurrentPerKey: 1,
    });
    await expect(guard.check(ctxFor(app))).rejects.toThrow('store down');
    expect(failing.refunds).toEqual([{ key: 'app1:rl:key:key1:requests', cost: 1 }]);
    failOn = '';
    // Neither the key's request nor its concurrency slot leaked.
    expect((await guard.check(ctxFor(app))).action).toBe('allow');
  });
});

describe('rate-limit guard: concurrency', () => {
  it('caps in-flight requests per key and frees the slot on settle', async () => {
    const { guard, hits } = setup();
    const app = appWith({ maxConcurrentPerKey: 1 });
    const first = ctxFor(app);
    expect((await guard.check(first)).action).toBe('allow');
    const second = ctxFor(app);
    const error = errorOf(await guard.check(second));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterSeconds).toBe(1);
    expect(second.triggers).toEqual(['rate_limit.key.concurrency']);
    expect(hits).toEqual(['key_concurrency']);
    expect((await guard.check(ctxFor(app, { keyId: 'key2' }))).action).toBe('allow');
    await settle(guard, first, completed(usage(10, 10)));
    expect((await guard.check(ctxFor(app))).action).toBe('allow');
  });

  it('releases the slot when a rate bucket refuses', async () => {
    const { guard, clock } = setup();
    const app = appWith({ maxConcurrentPerKey: 1, perKey: { requests: { limit: 1, windowSeconds: 1 } } });
    const first = ctxFor(app);
    expect((await guard.check(first)).action).toBe('allow');
    await settle(guard, first, completed(undefined));
    const refused = ctxFor(app);
    expect((await guard.check(refused)).action).toBe('deny');
    expect(refused.triggers).toEqual(['rate_limit.key.requests']);
    clock.advance(1000);
    expect((await guard.check(ctxFor(app))).action).toBe('allow');
  });

  it('lets a lease expire when a request is never settled', async () => {
    const { guard, clock } = setup({ leaseMs: 5000 });
    const app = appWith({ maxConcurrentPerKey: 1 });
    expect((await guard.check(ctxFor(app))).action).toBe('allow');
    expect((await guard.check(ctxFor(app))).action).toBe('deny');
    clock.advance(5000);
    expect((await guard.check(ctxFor(app))).action).toBe('allow');
  });
});

describe('rate-limit guard: settle', () => {
  const tokenApp = appWith({
    perKey: { requests: { limit: 2, windowSeconds: MINUTE }, tokens: { limit: 800, windowSeconds: MINUTE } },
  });

  it.each([
    ['denied', { outcome: 'denied', usage: undefined, upstreamCalled: false }],
    ['failed before the upstream call', { outcome: 'failed', usage: undefined, upstreamCalled: false }],
  ] as const)('refunds requests and tokens when %s', async (_label, info) => {
    const { guard } = setup();
    for (let i = 0; i < 5; i++) {
      const ctx = ctxFor(tokenApp);
      expect((await guard.check(ctx)).action).toBe('allow');
      await settle(guard, ctx, info);
    }
  });

  it('refunds the unused part of the token reservation on completion, never the request', async () => {
    const { guard, store } = setup();
    const ctx = ctxFor(tokenApp); // reserves 400 tokens
    await guard.check(ctx);
    await settle(guard, ctx, completed(usage(50, 30, 15, 5))); // actual 100
    expect(store.refunds).toEqual([{ key: 'app1:rl:key:key1:tokens', cost: 300 }]);
    // 800 - 100 = 700 tokens left: another 400 fits, a third does not, and the request bucket is spent.
    expect((await guard.check(ctxFor(tokenApp))).action).toBe('allow');
    const ctx3 = ctxFor(tokenApp, { inputTokens: 1, maxOutputTokens: 1 });
    expect((await guard.check(ctx3)).action).toBe('deny');
    expect(ctx3.triggers).toEqual(['rate_limit.key.requests']);
  });

  it('settles a failed upstream call to the partial usage reported', async () => {
    const { guard, store } = setup();
    const ctx = ctxFor(tokenApp);
    await guard.check(ctx);
    await settle(guard, ctx, { outcome: 'failed', usage: usage(100, 20), upstreamCalled: true });
    expect(store.refunds).toEqual([{ key: 'app1:rl:key:key1:tokens', cost: 280 }]);
  });

  it('keeps the whole reservation when no usage was reported or usage exceeds it', async () => {
    const { guard, store } = setup();
    const a = ctxFor(tokenApp);
    await guard.check(a);
    await settle(guard, a, completed(undefined));
    const b = ctxFor(tokenApp);
    await guard.check(b);
    await settle(guard, b, completed(usage(400, 50)));
    expect(store.refunds).toEqual([]);
    const c = ctxFor(tokenApp, { inputTokens: 1, maxOutputTokens: 0 });
    expect((await guard.check(c)).action).toBe('deny');
  });

  it('settles once: a second settle changes nothing', async () => {
    const { guard, store } = setup();
    const ctx = ctxFor(tokenApp);
    await guard.check(ctx);
    await settle(guard, ctx, { outcome: 'denied', usage: undefined, upstreamCalled: false });
    await settle(guard, ctx, { outcome: 'denied', usage: undefined, upstreamCalled: false });
    expect(store.refunds).toHaveLength(2);
  });

  it('never throws from settle; store errors go to onError', async () => {
    const failing = new RecordingCounterStore(new MemoryCounterStore());
    const errors: unknown[] = [];
    const { guard } = setup({ counters: failing, onError: (e) => errors.push(e) });
    const app = appWith({ ...tokenApp.rateLimits, maxConcurrentPerKey: 2 });
    const ctx = ctxFor(app);
    await guard.check(ctx);
    failing.refund = () => Promise.reject(new Error('refund failed'));
    failing.release = () => {
      throw new Error('release failed');
    };
    await expect(
      settle(guard, ctx, { outcome: 'denied', usage: undefined, upstreamCalled: false }),
    ).resolves.toBe(undefined);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual([
      'refund failed',
      'refund failed',
      'release failed',
    ]);
  });
});

describe('rate-limit guard: fail closed', () => {
  it('denies with internal_error without an app or principal', async () => {
    const { guard } = setup();
    expect(errorOf(await guard.check(ctxFor(undefined))).code).toBe('internal_error');
  });

  it('denies with internal_error when a token limit applies but tokens were not counted', async () => {
    const { guard } = setup();
    const app = appWith({ perKey: { tokens: { limit: 1000, windowSeconds: MINUTE } } });
    expect(errorOf(await guard.check(ctxFor(app, { inputTokens: undefined }))).code).toBe('internal_error');
    const requestsOnly = appWith({ perKey: { requests: { limit: 1, windowSeconds: MINUTE } } });
    expect((await guard.check(ctxFor(requestsOnly, { inputTokens: undefined }))).action).toBe('allow');
  });

  it('admits everything and writes no headers when no limit is configured', async () => {
    const { guard, store } = setup();
    const ctx = ctxFor(appWith({}));
    expect((await guard.check(ctx)).action).toBe('allow');
    expect(ctx.responseHeaders).toEqual({});
    expect(store.keys).toEqual([]);
  });

  it('is named rate-limit', () => {
    expect(setup().guard.name).toBe('rate-limit');
    expect(new GatewayError('rate_limited').spec.status).toBe(429);
  });
});
