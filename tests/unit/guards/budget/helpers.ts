import { defaultOutputPolicy } from '../../../helpers/fixtures.js';
import { ManualClock } from '../../../../src/core/clock.js';
import type { AppPolicy, BudgetPolicy } from '../../../../src/core/policy.js';
import type { GatewayRequest, Operation, Principal } from '../../../../src/core/types.js';
import { createBudgetGuard } from '../../../../src/guards/budget/index.js';
import type { BudgetAlert, BudgetGuardOptions } from '../../../../src/guards/budget/index.js';
import { newContext } from '../../../../src/pipeline/context.js';
import type { RequestContext } from '../../../../src/pipeline/context.js';
import { createPriceTable } from '../../../../src/pricing/price-table.js';
import { MemoryLedgerStore } from '../../../../src/stores/memory/index.js';
import type { LedgerStore } from '../../../../src/stores/ports.js';
import { defaultContentPolicies, gatewayRequest } from '../../../helpers/fixtures.js';

/** `cheap`: 1 µ$ per input token, 2 µ$ per output token (easy arithmetic). */
export const prices = createPriceTable({ overrides: { cheap: { inputPerMTok: 1, outputPerMTok: 2 } } });

export const budget = (overrides: Partial<BudgetPolicy> = {}): BudgetPolicy => ({
  expectedMonthlyUsd: 0.01, // 10_000 µ$; hard cap 150% = 15_000 µ$
  hardCapPercent: 150,
  alertPercents: [50, 80, 100],
  ...overrides,
});

export const appPolicy = (id: string, appBudget: BudgetPolicy | undefined): AppPolicy => ({
  id,
  models: new Map(),
  maxInputTokens: 100_000,
  maxOutputTokens: 4096,
  outputCapPolicy: 'clamp',
  maxChoices: 1,
  maxMessages: 100,
  maxTools: 10,
  anthropicTokenCounting: 'estimate',
  rateLimits: {},
  budget: appBudget,
  endUser: { trustHeader: false, required: false },
  injection: { action: 'off', threshold: 0.5 },
  ...defaultContentPolicies(),
  output: defaultOutputPolicy(),
});

let sequence = 0;

export interface CtxOptions {
  readonly app: AppPolicy;
  readonly model?: string;
  readonly operation?: Operation;
  readonly input?: number;
  readonly output?: number;
  readonly principal?: Partial<Principal>;
}

export function makeCtx(options: CtxOptions): RequestContext {
  const operation = options.operation ?? 'openai.chat';
  const request: GatewayRequest = gatewayRequest({
    id: `req_budget_${++sequence}`,
    operation,
    model: options.model ?? 'cheap',
  });
  const ctx = newContext(request);
  ctx.app = options.app;
  ctx.principal = {
    keyId: 'k1',
    appId: options.app.id,
    models: null,
    endUserId: undefined,
    ...options.principal,
  };
  ctx.inputTokens = options.input ?? 1000;
  ctx.maxOutputTokens = options.output ?? 500;
  return ctx;
}

export const pseudonymize = (id: string): string => `u_${Buffer.from(id).toString('hex')}`;

export function setup(
  overrides: Partial<BudgetGuardOptions> & { ledger?: LedgerStore; clock?: ManualClock } = {},
) {
  const clock = overrides.clock ?? new ManualClock(Date.UTC(2026, 0, 15, 12));
  const ledger = overrides.ledger ?? new MemoryLedgerStore({ clock });
  const alerts: BudgetAlert[] = [];
  const spends: [string, number][] = [];
  const limits: string[] = [];
  const guard = createBudgetGuard({
    ledger,
    prices,
    clock,
    timeZone: 'UTC',
    reservationTtlMs: 60_000,
    environment: 'development',
    pseudonymize,
    alert: (a) => alerts.push(a),
    onSpend: (app, micros) => spends.push([app, micros]),
    onLimitHit: (limit) => limits.push(limit),
    ...overrides,
  });
  return { clock, ledger, guard, alerts, spends, limits };
}

export const usage = (input: number, output: number, cached = 0, cacheWrite = 0) => ({
  inputTokens: input,
  outputTokens: output,
  cachedInputTokens: cached,
  cacheWriteTokens: cacheWrite,
});
