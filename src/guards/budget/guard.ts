/**
 * The budget guard: monthly spend caps that hold under any concurrency and across replicas.
 * Admission reserves the request's worst-case cost in every scope it falls under (one atomic ledger
 * call, all or nothing); settlement commits the actual cost (or the worst case when the provider
 * reported nothing) or releases the reservation when nothing reached the provider. Spend caps fail
 * closed: if the ledger cannot answer, the request is refused.
 */
import type { Clock } from '../../core/clock.js';
import { GatewayError } from '../../core/errors.js';
import { ALLOW, OPERATION_PROVIDER } from '../../core/types.js';
import type { Decision, Environment, ProviderName, Usage } from '../../core/types.js';
import type { RequestContext, SettleInfo } from '../../pipeline/context.js';
import type { RequestGuard } from '../../pipeline/guard.js';
import type { LedgerEntry, LedgerStore } from '../../stores/ports.js';
import { SettlementQueue } from './settlement-queue.js';
import { sendThresholdAlerts } from './alerts.js';
import type { BudgetAlert, ThresholdWatch } from './alerts.js';
import { createPeriodOf } from './period.js';
import { budgetScopes } from './scopes.js';
import type { ScopeKind } from './scopes.js';
import { worstCaseMicros } from './worst-case.js';
import type { BudgetPrices } from './worst-case.js';

export interface BudgetGuardOptions {
  readonly ledger: LedgerStore;
  readonly prices: BudgetPrices;
  readonly clock: Clock;
  /** IANA zone whose calendar months are the budget periods. */
  readonly timeZone: string;
  /** Cap for all apps together, USD per month. */
  readonly globalMonthlyUsd?: number | undefined;
  /** Alert thresholds for the global cap, percent of globalMonthlyUsd; default [50, 80, 100]. */
  readonly globalAlertPercents?: readonly number[] | undefined;
  /** How long a reservation counts if its replica never settles it (crash). */
  readonly reservationTtlMs: number;
  readonly environment: Environment;
  /** Keyed pseudonymizer for end-user ids (the audit pseudonym), so ledger rows never hold raw ids. */
  readonly pseudonymize: (endUserId: string) => string;
  readonly alert: (alert: BudgetAlert) => void;
  /** Metrics hook: committed spend per app. */
  readonly onSpend?: ((app: string, micros: number) => void) | undefined;
  /** Metrics hook: a limit refused a request. */
  readonly onLimitHit?: ((limit: string) => void) | undefined;
}

/** What check() reserved, kept until settle(). */
interface Reserved {
  readonly provider: ProviderName;
  readonly atMs: number;
  readonly period: string;
  readonly worstMicros: number;
  /** False when no budget applied: nothing was reserved, the entry is only recorded at settlement. */
  readonly reservedInStore: boolean;
  readonly user: string | null;
  readonly watches: readonly ThresholdWatch[];
}

const DEFAULT_ALERT_PERCENTS = [50, 80, 100] as const;
/** A ledger outage would otherwise raise one alert per request. */
const STORE_ALERT_INTERVAL_MS = 60_000;

const scopeKindOf = (scopeKey: string): ScopeKind | 'unknown' => {
  const kind = scopeKey === 'global' ? 'global' : scopeKey.slice(0, scopeKey.indexOf(':'));
  return kind === 'app' || kind === 'key' || kind === 'user' || kind === 'global' ? kind : 'unknown';
};

const deny = (error: GatewayError): Decision => ({ action: 'deny', error });

function checkOptions(options: BudgetGuardOptions): void {
  if (!Number.isSafeInteger(options.reservationTtlMs) || options.reservationTtlMs <= 0)
    throw new RangeError('reservationTtlMs must be a positive integer');
  const global = options.globalMonthlyUsd;
  if (global !== undefined && !(Number.isFinite(global) && global > 0))
    throw new RangeError('globalMonthlyUsd must be a positive number');
}

export function createBudgetGuard(options: BudgetGuardOptions): RequestGuard {
  checkOptions(options);
  const { ledger, prices, clock } = options;
  const periodOf = createPeriodOf(options.timeZone);
  const globalPercents = options.globalAlertPercents ?? DEFAULT_ALERT_PERCENTS;
  const reserved = new WeakMap<RequestContext, Reserved>();
  const settlements = new SettlementQueue(ledger);
  let lastStoreAlert = Number.NEGATIVE_INFINITY;

  const storeUnavailable = (ctx: RequestContext, error: unknown): Decision => {
    ctx.triggers.push('budget.store_unavailable');
    const now = clock.now();
    if (now - lastStoreAlert >= STORE_ALERT_INTERVAL_MS) {
      lastStoreAlert = now;
      options.alert({
        kind: 'budget.store_unavailable',
        severity: 'critical',
        subject: { guard: 'budget' },
        message: 'The spend ledger is unavailable; requests under a spend cap are refused until it returns.',
      });
    }
    const detail = `spend ledger unavailable: ${error instanceof Error ? error.name : 'unknown error'}`;
    return deny(new GatewayError('service_unavailable', { source: 'budget', detail, retryAfterSeconds: 1 }));
  };

  async function check(ctx: RequestContext): Promise<Decision> {
    const { request, app, principal } = ctx;
    // Counting tokens is free at the provider: nothing to reserve or record.
    if (request.operation === 'anthropic.count_tokens') return ALLOW;
    if (app === undefined) throw new Error('budget guard: no app on the context (auth must run first)');
    const inputTokens = ctx.inputTokens;
    const maxOutputTokens = ctx.maxOutputTokens;
    if (inputTokens === undefined || maxOutputTokens === undefined)
      throw new Error('budget guard: token counts missing (input validation must run first)');

    const provider = OPERATION_PROVIDER[request.operation];
    const atMs = clock.now();
    const period = periodOf(atMs);
    const scopes = budgetScopes({
      app,
      principal,
      period,
      globalMonthlyUsd: options.globalMonthlyUsd,
      pseudonymize: options.pseudonymize,
    });
    const worst = worstCaseMicros(prices, provider, request.model, inputTokens, maxOutputTokens, atMs);
    if (worst === undefined) {
      // A cap on an unpriced model could not be enforced: refuse. Without a cap, serve it unrecorded.
      if (scopes.length === 0) return ALLOW;
      ctx.triggers.push('budget.model_not_priced');
      return deny(new GatewayError('model_not_priced', { source: 'budget', param: 'model' }));
    }

    // Without a cap there is nothing to reserve: skip the store round trip on the hot path. The
    // settlement still records the entry (the ledger records a commit without a reservation as spend
    // outside any budget), so usage reports cover every request.
    let result: Awaited<ReturnType<LedgerStore['reserve']>> = { ok: true };
    if (scopes.length > 0) {
      try {
        result = await ledger.reserve(request.id, scopes, worst, options.reservationTtlMs);
      } catch (error) {
        return storeUnavailable(ctx, error);
      }
    }
    if (!result.ok) {
      const kind = scopeKindOf(result.scope);
      ctx.triggers.push(`budget.${kind}.exhausted`);
      options.onLimitHit?.('budget');
      return deny(
        new GatewayError('insufficient_quota', {
          source: 'budget',
          detail: `${kind} budget for ${period} cannot fit the worst-case cost`,
        }),
      );
    }

    const watches: ThresholdWatch[] = [];
    if (app.budget !== undefined) {
      watches.push({
        scopeKey: `app:${app.id}`,
        period,
        expectedUsd: app.budget.expectedMonthlyUsd,
        percents: app.budget.alertPercents,
      });
    }
    // Per-key and per-user budgets are hard caps: alert at the app's percentages of the cap (those
    // at or below 100 %, since committed spend never passes a cap).
    for (const scope of scopes) {
      if (scope.kind !== 'key' && scope.kind !== 'user') continue;
      watches.push({
        scopeKey: scope.key,
        period,
        expectedUsd: scope.capMicros / 1e6,
        percents: (app.budget?.alertPercents ?? DEFAULT_ALERT_PERCENTS).filter((percent) => percent <= 100),
      });
    }
    if (options.globalMonthlyUsd !== undefined) {
      watches.push({
        scopeKey: 'global',
        period,
        expectedUsd: options.globalMonthlyUsd,
        percents: globalPercents,
      });
    }
    const endUser = principal?.endUserId;
    reserved.set(ctx, {
      provider,
      atMs,
      period,
      worstMicros: worst,
      reservedInStore: scopes.length > 0,
      user: endUser !== undefined && endUser !== '' ? options.pseudonymize(endUser) : null,
      watches,
    });
    return ALLOW;
  }

  async function settle(ctx: RequestContext, info: SettleInfo): Promise<void> {
    const state = reserved.get(ctx);
    if (state === undefined) return; // Nothing reserved (free operation or unpriced and uncapped).
    reserved.delete(ctx);
    const { request } = ctx;
    if (info.outcome === 'denied' || (info.outcome === 'failed' && !info.upstreamCalled)) {
      if (state.reservedInStore) await ledger.release(request.id);
      return;
    }
    const entry = ledgerEntry(ctx, state, info.usage);
    await settlements.push(request.id, entry);
    options.onSpend?.(entry.app, entry.costMicros);
    for (const watch of state.watches) await sendThresholdAlerts(ledger, watch, options.alert);
  }

  function ledgerEntry(ctx: RequestContext, state: Reserved, usage: Usage | undefined): LedgerEntry {
    const { request } = ctx;
    const base = {
      requestId: request.id,
      ts: new Date(clock.now()).toISOString(),
      environment: options.environment,
      app: ctx.app?.id ?? ctx.principal?.appId ?? 'unknown',
      keyId: ctx.principal?.keyId || null,
      user: state.user,
      model: request.model,
    };
    // Priced at the reservation time so one request never straddles a price change.
    const actual =
      usage === undefined ? undefined : prices.costMicros(state.provider, request.model, usage, state.atMs);
    if (usage === undefined || actual === undefined) {
      // The provider reported nothing (or we cannot price it): charge the reserved worst case.
      return {
        ...base,
        inputTokens: ctx.inputTokens ?? 0,
        cachedInputTokens: 0,
        outputTokens: ctx.maxOutputTokens ?? 0,
        costMicros: state.worstMicros,
      };
    }
    return {
      ...base,
      // Cache writes are billed input; cache reads are reported apart.
      inputTokens: usage.inputTokens + usage.cacheWriteTokens,
      cachedInputTokens: usage.cachedInputTokens,
      outputTokens: usage.outputTokens,
      costMicros: actual,
    };
  }

  // Reservations on one hot budget queue on its row lock in the ledger; give them longer than the
  // default guard timeout before failing closed, so contention yields the budget answer, not a 500.
  return { name: 'budget', timeoutMs: 10_000, check, settle };
}
