import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/core/clock.js';
import type { Decision } from '../../../../src/core/types.js';
import { createPeriodOf } from '../../../../src/guards/budget/index.js';
import type { BudgetAlert } from '../../../../src/guards/budget/index.js';
import { MemoryLedgerStore } from '../../../../src/stores/memory/index.js';
import type { LedgerStore } from '../../../../src/stores/ports.js';
import { appPolicy, budget, makeCtx, prices, pseudonymize, setup, usage } from './helpers.js';

const errorCode = (decision: Decision): string | undefined =>
  decision.action === 'deny' ? decision.error.code : undefined;

const completed = (u = usage(1000, 200)) => ({
  outcome: 'completed' as const,
  usage: u,
  upstreamCalled: true,
});

describe('budget guard: reservation', () => {
  it('reserves input at the input rate plus the whole output cap, in every scope', async () => {
    const { guard, ledger } = setup({ globalMonthlyUsd: 1 });
    const app = appPolicy('a', budget({ perKeyMonthlyUsd: 1 }));
    const ctx = makeCtx({ app, input: 1000, output: 500 });
    expect(await guard.check(ctx)).toEqual({ action: 'allow' });
    for (const scope of ['app:a', 'key:k1', 'global'])
      expect(await ledger.totals(scope, '2026-01')).toEqual({ committedMicros: 0, reservedMicros: 2000 });
  });

  it('reserves input tokens at the highest input-side rate (a 1h cache write costs more than input)', async () => {
    const { guard, ledger } = setup();
    const ctx = makeCtx({
      app: appPolicy('a', budget({ expectedMonthlyUsd: 1 })),
      model: 'claude-sonnet-4-5',
      operation: 'anthropic.messages',
    });
    ctx.inputTokens = 1000;
    ctx.maxOutputTokens = 100;
    await guard.check(ctx);
    // 1000 × $6/MTok (1h cache write) + 100 × $15/MTok = 6000 + 1500 µ$; plain input would give 4500.
    expect((await ledger.totals('app:a', '2026-01')).reservedMicros).toBe(7500);
    expect(prices.worstCaseMicros('anthropic', 'claude-sonnet-4-5', 1000, 100)).toBe(4500);
  });

  it('uses the long-context tier chosen by the input size', async () => {
    const { guard, ledger } = setup();
    const ctx = makeCtx({
      app: appPolicy('a', budget({ expectedMonthlyUsd: 100 })),
      model: 'claude-sonnet-4-5',
      operation: 'anthropic.messages',
    });
    ctx.inputTokens = 200_001;
    ctx.maxOutputTokens = 0;
    await guard.check(ctx);
    expect((await ledger.totals('app:a', '2026-01')).reservedMicros).toBe(Math.ceil(200_001 * 12));
  });

  it('refuses with insufficient_quota when the worst case does not fit, consuming nothing', async () => {
    const { guard, ledger, limits } = setup();
    const app = appPolicy('a', budget()); // cap 15_000 µ$
    for (let i = 0; i < 7; i++) expect(await guard.check(makeCtx({ app }))).toEqual({ action: 'allow' });
    const ctx = makeCtx({ app });
    const decision = await guard.check(ctx);
    expect(errorCode(decision)).toBe('insufficient_quota');
    expect(decision.action === 'deny' && decision.error.spec.status).toBe(429);
    expect(decision.action === 'deny' && decision.error.spec.retryable).toBe(false);
    expect(ctx.triggers).toEqual(['budget.app.exhausted']);
    expect(limits).toEqual(['budget']);
    expect((await ledger.totals('app:a', '2026-01')).reservedMicros).toBe(14_000);
    // Settling a denied request is a no-op for this guard (it reserved nothing).
    await guard.settle?.(ctx, { outcome: 'denied', usage: undefined, upstreamCalled: false });
    expect((await ledger.totals('app:a', '2026-01')).reservedMicros).toBe(14_000);
  });

  it('names the scope that refused: key, verified user, global', async () => {
    const app = appPolicy(
      'a',
      budget({ expectedMonthlyUsd: 100, perKeyMonthlyUsd: 0.002, perUserMonthlyUsd: 0.003 }),
    );
    const key = setup();
    await key.guard.check(makeCtx({ app }));
    const keyCtx = makeCtx({ app });
    expect(errorCode(await key.guard.check(keyCtx))).toBe('insufficient_quota');
    expect(keyCtx.triggers).toEqual(['budget.key.exhausted']);

    const user = setup();
    const verified = { endUserId: 'alice', endUserVerified: true };
    await user.guard.check(makeCtx({ app, principal: { ...verified, keyId: 'k2' } }));
    const userCtx = makeCtx({ app, principal: { ...verified, keyId: 'k3' } });
    expect(errorCode(await user.guard.check(userCtx))).toBe('insufficient_quota');
    expect(userCtx.triggers).toEqual(['budget.user.exhausted']);
    expect((await user.ledger.totals(`user:${pseudonymize('alice')}`, '2026-01')).reservedMicros).toBe(2000);
    // An unverified (body-asserted) end-user id never keys a budget.
    const unverified = makeCtx({ app, principal: { endUserId: 'alice', keyId: 'k4' } });
    expect(await user.guard.check(unverified)).toEqual({ action: 'allow' });

    const global = setup({ globalMonthlyUsd: 0.003 });
    await global.guard.check(makeCtx({ app: appPolicy('b', undefined) }));
    const globalCtx = makeCtx({ app: appPolicy('c', undefined) });
    expect(errorCode(await global.guard.check(globalCtx))).toBe('insufficient_quota');
    expect(globalCtx.triggers).toEqual(['budget.global.exhausted']);
  });

  it('does not reserve for count_tokens (free at the provider)', async () => {
    const { guard, ledger } = setup();
    const ctx = makeCtx({ app: appPolicy('a', budget()), operation: 'anthropic.count_tokens' });
    expect(await guard.check(ctx)).toEqual({ action: 'allow' });
    await guard.settle?.(ctx, completed());
    expect(await ledger.totals('app:a', '2026-01')).toEqual({ committedMicros: 0, reservedMicros: 0 });
    expect(await ledger.usage('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', ['app'])).toEqual([]);
  });
});

describe('budget guard: settlement', () => {
  const app = appPolicy('a', budget());

  it('commits the priced usage and records a content-free entry', async () => {
    const { guard, ledger, spends } = setup();
    const ctx = makeCtx({ app, principal: { keyId: 'k9', endUserId: 'bob' } });
    await guard.check(ctx);
    await guard.settle?.(ctx, completed(usage(900, 200, 100)));
    // 900 + 100 cached (override has no cache rate: input rate) + 200 × 2 = 1400 µ$.
    expect(await ledger.totals('app:a', '2026-01')).toEqual({ committedMicros: 1400, reservedMicros: 0 });
    expect(spends).toEqual([['a', 1400]]);
    const [row] = await ledger.usage('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', ['keyId', 'user']);
    expect(row).toEqual({
      group: { keyId: 'k9', user: pseudonymize('bob') },
      requests: 1,
      inputTokens: 900,
      outputTokens: 200,
      costMicros: 1400,
    });
  });

  it.each([
    ['denied', { outcome: 'denied' as const, usage: undefined, upstreamCalled: false }],
    ['failed before the provider', { outcome: 'failed' as const, usage: undefined, upstreamCalled: false }],
  ])('releases the reservation when %s', async (_label, info) => {
    const { guard, ledger, spends } = setup();
    const ctx = makeCtx({ app });
    await guard.check(ctx);
    await guard.settle?.(ctx, info);
    expect(await ledger.totals('app:a', '2026-01')).toEqual({ committedMicros: 0, reservedMicros: 0 });
    expect(spends).toEqual([]);
    expect(await ledger.usage('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', ['app'])).toEqual([]);
  });

  it('commits the partial usage of a cut stream and releases the rest', async () => {
    const { guard, ledger } = setup();
    const ctx = makeCtx({ app });
    await guard.check(ctx);
    await guard.settle?.(ctx, { outcome: 'failed', usage: usage(1000, 37), upstreamCalled: true });
    expect(await ledger.totals('app:a', '2026-01')).toEqual({ committedMicros: 1074, reservedMicros: 0 });
  });

  it('commits the worst case when the provider was called but reported no usage', async () => {
    const { guard, ledger } = setup();
    for (const outcome of ['failed', 'completed'] as const) {
      const ctx = makeCtx({ app });
      await guard.check(ctx);
      await guard.settle?.(ctx, { outcome, usage: undefined, upstreamCalled: true });
    }
    expect(await ledger.totals('app:a', '2026-01')).toEqual({ committedMicros: 4000, reservedMicros: 0 });
  });

  it('records every priced request in the ledger even when no budget applies', async () => {
    const { guard, ledger } = setup();
    const ctx = makeCtx({ app: appPolicy('free', undefined) });
    await guard.check(ctx);
    await guard.settle?.(ctx, completed());
    const rows = await ledger.usage('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', ['app', 'model']);
    expect(rows).toEqual([
      {
        group: { app: 'free', model: 'cheap' },
        requests: 1,
        inputTokens: 1000,
        outputTokens: 200,
        costMicros: 1400,
      },
    ]);
  });
});

describe('budget guard: unknown prices', () => {
  it('refuses an unpriced model when a budget applies', async () => {
    const { guard, ledger } = setup();
    const ctx = makeCtx({ app: appPolicy('a', budget()), model: 'no-such-model' });
    const decision = await guard.check(ctx);
    expect(errorCode(decision)).toBe('model_not_priced');
    expect(ctx.triggers).toEqual(['budget.model_not_priced']);
    expect((await ledger.totals('app:a', '2026-01')).reservedMicros).toBe(0);
  });

  it('refuses an unpriced model under the global cap alone', async () => {
    const { guard } = setup({ globalMonthlyUsd: 5 });
    const ctx = makeCtx({ app: appPolicy('a', undefined), model: 'no-such-model' });
    expect(errorCode(await guard.check(ctx))).toBe('model_not_priced');
  });

  it('serves an unpriced model without any budget, and records nothing', async () => {
    const { guard, ledger } = setup();
    const ctx = makeCtx({ app: appPolicy('a', undefined), model: 'no-such-model' });
    expect(await guard.check(ctx)).toEqual({ action: 'allow' });
    await guard.settle?.(ctx, completed());
    expect(await ledger.usage('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', ['app'])).toEqual([]);
  });
});

describe('budget guard: alerts', () => {
  it('sends each threshold once per period across two replicas sharing a ledger', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 12));
    const ledger = new MemoryLedgerStore({ clock });
    const sent: BudgetAlert[] = [];
    const alert = (a: BudgetAlert) => sent.push(a);
    const one = setup({ clock, ledger, globalMonthlyUsd: 1, alert });
    const two = setup({ clock, ledger, globalMonthlyUsd: 1, alert });
    const app = appPolicy('a', budget()); // expected 10_000 µ$
    const spend = async (replica: typeof one, micros: number) => {
      const ctx = makeCtx({ app, input: micros, output: 0 });
      expect(await replica.guard.check(ctx)).toEqual({ action: 'allow' });
      await replica.guard.settle?.(ctx, completed(usage(micros, 0)));
    };
    await spend(one, 4000);
    expect(sent).toEqual([]);
    await spend(two, 1000); // 50%
    await spend(one, 500);
    await spend(two, 3000); // 85%: 80% crossed
    await spend(one, 2000); // 105%: 100% crossed
    await spend(two, 100);
    expect(sent.map((a) => [a.kind, a.severity, a.subject.percent])).toEqual([
      ['budget.threshold', 'warning', 50],
      ['budget.threshold', 'warning', 80],
      ['budget.threshold', 'critical', 100],
    ]);
    expect(sent[0]?.subject).toEqual({
      scope: 'app:a',
      period: '2026-01',
      percent: 50,
      committedUsd: 0.005,
      expectedUsd: 0.01,
    });
    // The next month alerts again.
    clock.set(Date.UTC(2026, 1, 1));
    await spend(one, 5000);
    expect(sent).toHaveLength(4);
    expect(sent.at(-1)?.subject).toMatchObject({ period: '2026-02', percent: 50 });
  });

  it('alerts on a per-key cap at the app percentages, once per period', async () => {
    const { guard, alerts } = setup();
    const app = appPolicy(
      'a',
      budget({ expectedMonthlyUsd: 1, perKeyMonthlyUsd: 0.01, alertPercents: [50, 150] }),
    );
    for (let i = 0; i < 2; i++) {
      const ctx = makeCtx({ app, input: 3000, output: 0 });
      expect(await guard.check(ctx)).toEqual({ action: 'allow' });
      await guard.settle?.(ctx, completed(usage(3000, 0)));
    }
    // 6000 of 10_000 µ$ on key k1: the 50 % alert, once; 150 % is dropped for a hard cap.
    expect(alerts.map((a) => a.subject)).toEqual([
      { scope: 'key:k1', period: '2026-01', percent: 50, committedUsd: 0.006, expectedUsd: 0.01 },
    ]);
  });

  it('alerts on the global cap at its own percentages', async () => {
    const { guard, alerts } = setup({ globalMonthlyUsd: 0.01, globalAlertPercents: [10] });
    const ctx = makeCtx({ app: appPolicy('a', undefined), input: 1000, output: 0 });
    await guard.check(ctx);
    await guard.settle?.(ctx, completed(usage(1000, 0)));
    expect(alerts.map((a) => a.subject)).toEqual([
      { scope: 'global', period: '2026-01', percent: 10, committedUsd: 0.001, expectedUsd: 0.01 },
    ]);
  });
});

describe('budget guard: periods', () => {
  it('starts a fresh budget when the month rolls over', async () => {
    const { guard, clock, ledger } = setup({ clock: new ManualClock(Date.UTC(2026, 0, 31, 23, 59, 59)) });
    const app = appPolicy('a', budget({ expectedMonthlyUsd: 0.002, hardCapPercent: 100 }));
    const first = makeCtx({ app, input: 2000, output: 0 });
    await guard.check(first);
    await guard.settle?.(first, completed(usage(2000, 0)));
    expect(errorCode(await guard.check(makeCtx({ app, input: 1, output: 0 })))).toBe('insufficient_quota');
    clock.advance(1000);
    expect(await guard.check(makeCtx({ app, input: 1, output: 0 }))).toEqual({ action: 'allow' });
    expect((await ledger.totals('app:a', '2026-02')).reservedMicros).toBe(1);
    expect((await ledger.totals('app:a', '2026-01')).committedMicros).toBe(2000);
  });

  it('follows calendar months in the configured time zone', async () => {
    // 03:00 UTC on 1 February is still 31 January (22:00) in New York.
    const clock = new ManualClock(Date.UTC(2026, 1, 1, 3));
    const { guard, ledger } = setup({ clock, timeZone: 'America/New_York' });
    await guard.check(makeCtx({ app: appPolicy('a', budget()) }));
    expect((await ledger.totals('app:a', '2026-01')).reservedMicros).toBe(2000);
    expect((await ledger.totals('app:a', '2026-02')).reservedMicros).toBe(0);
    const tokyo = createPeriodOf('Asia/Tokyo');
    expect(tokyo(Date.UTC(2026, 0, 31, 15))).toBe('2026-02');
    expect(tokyo(Date.UTC(2026, 0, 31, 14, 59))).toBe('2026-01');
  });

  it('rejects an unknown time zone at construction', () => {
    expect(() => setup({ timeZone: 'Mars/Olympus' })).toThrow(RangeError);
  });
});

describe('budget guard: ledger outage', () => {
  const broken = (): LedgerStore => {
    const ledger = new MemoryLedgerStore();
    ledger.reserve = async () => {
      throw new Error('connection refused');
    };
    return ledger;
  };

  it('fails closed with service_unavailable (503) and alerts once per minute', async () => {
    const { guard, alerts, clock } = setup({ ledger: broken() });
    const app = appPolicy('a', budget());
    for (let i = 0; i < 3; i++) {
      const ctx = makeCtx({ app });
      const decision = await guard.check(ctx);
      expect(errorCode(decision)).toBe('service_unavailable');
      expect(decision.action === 'deny' && decision.error.spec.status).toBe(503);
      expect(ctx.triggers).toEqual(['budget.store_unavailable']);
    }
    expect(alerts.map((a) => a.kind)).toEqual(['budget.store_unavailable']);
    clock.advance(60_000);
    await guard.check(makeCtx({ app }));
    expect(alerts).toHaveLength(2);
    expect(JSON.stringify(alerts)).not.toContain('connection refused');
  });

  it('does not touch the store at admission when no budget applies (no cap to enforce)', async () => {
    const { guard } = setup({ ledger: broken() });
    expect(await guard.check(makeCtx({ app: appPolicy('a', undefined) }))).toEqual({ action: 'allow' });
  });
});
