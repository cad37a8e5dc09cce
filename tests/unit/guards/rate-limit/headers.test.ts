import { describe, expect, it } from 'vitest';
import { formatOpenAiDuration, formatResetTimestamp } from '../../../../src/guards/rate-limit/headers.js';
import { appWith, ctxFor, setup } from './helpers.js';

const MINUTE = 60;

describe('rate-limit header formats', () => {
  it.each([
    [0, '0s'],
    [12, '12ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [1001, '1.001s'],
    [59_999, '59.999s'],
    [60_000, '1m0s'],
    [360_000, '6m0s'],
    [61_250, '1m1.25s'],
    [3_600_000, '1h0m0s'],
    [3_725_000, '1h2m5s'],
    [12.3, '13ms'],
  ])('formats %s ms as %s', (ms, text) => {
    expect(formatOpenAiDuration(ms)).toBe(text);
  });

  it('formats Anthropic resets as RFC 3339 seconds, rounded up', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0, 250);
    expect(formatResetTimestamp(now, 0)).toBe('2026-01-01T12:00:01Z');
    expect(formatResetTimestamp(now, 29_750)).toBe('2026-01-01T12:00:30Z');
    expect(formatResetTimestamp(now, 29_751)).toBe('2026-01-01T12:00:31Z');
  });
});

describe('rate-limit headers on responses', () => {
  const app = appWith({
    perKey: {
      requests: { limit: 10, windowSeconds: MINUTE },
      tokens: { limit: 1000, windowSeconds: MINUTE },
    },
    global: { requests: { limit: 3, windowSeconds: MINUTE } },
  });

  it('reports the most restrictive bucket per kind on OpenAI routes', async () => {
    const { guard } = setup();
    const ctx = ctxFor(app); // 400 tokens
    expect((await guard.check(ctx)).action).toBe('allow');
    expect(ctx.responseHeaders).toEqual({
      'x-ratelimit-limit-requests': '3', // global: 2 left beats the key's 9
      'x-ratelimit-remaining-requests': '2',
      'x-ratelimit-reset-requests': '20s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '600',
      'x-ratelimit-reset-tokens': '24s',
    });
  });

  it('uses anthropic-ratelimit-* with RFC 3339 resets on Anthropic routes', async () => {
    const { guard } = setup(); // clock at 2026-01-01T12:00:00Z
    const ctx = ctxFor(app, { operation: 'anthropic.messages', model: 'claude-sonnet-4-5' });
    expect((await guard.check(ctx)).action).toBe('allow');
    expect(ctx.responseHeaders).toEqual({
      'anthropic-ratelimit-requests-limit': '3',
      'anthropic-ratelimit-requests-remaining': '2',
      'anthropic-ratelimit-requests-reset': '2026-01-01T12:00:20Z',
      'anthropic-ratelimit-tokens-limit': '1000',
      'anthropic-ratelimit-tokens-remaining': '600',
      'anthropic-ratelimit-tokens-reset': '2026-01-01T12:00:24Z',
    });
  });

  it('sets headers on the 429 too, showing refunded buckets as not charged', async () => {
    const { guard } = setup();
    const tight = appWith({
      perKey: { requests: { limit: 10, windowSeconds: MINUTE } },
      global: { tokens: { limit: 500, windowSeconds: MINUTE } },
    });
    await guard.check(ctxFor(tight)); // 400 of 500 tokens
    const ctx = ctxFor(tight);
    expect((await guard.check(ctx)).action).toBe('deny');
    expect(ctx.responseHeaders).toEqual({
      'x-ratelimit-limit-requests': '10',
      'x-ratelimit-remaining-requests': '9', // the refused request's own consume was refunded
      'x-ratelimit-reset-requests': '6s',
      'x-ratelimit-limit-tokens': '500',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '48s',
    });
  });

  it('skips the headers of a kind that has no limit', async () => {
    const { guard } = setup();
    const ctx = ctxFor(appWith({ perIp: { tokens: { limit: 1000, windowSeconds: MINUTE } } }));
    await guard.check(ctx);
    expect(Object.keys(ctx.responseHeaders).sort()).toEqual([
      'x-ratelimit-limit-tokens',
      'x-ratelimit-remaining-tokens',
      'x-ratelimit-reset-tokens',
    ]);
  });
});
