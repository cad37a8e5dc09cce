/**
 * Which monthly budgets a request must fit into. Keys are stable strings shared by every replica:
 * `app:<id>`, `key:<keyId>`, `user:<pseudonym>` (verified end users only) and `global`.
 */
import type { AppPolicy } from '../../core/policy.js';
import type { Principal } from '../../core/types.js';
import type { BudgetScope } from '../../stores/ports.js';

export type ScopeKind = 'app' | 'key' | 'user' | 'global';

export interface ScopeInputs {
  readonly app: AppPolicy;
  readonly principal: Principal | undefined;
  readonly period: string;
  readonly globalMonthlyUsd: number | undefined;
  readonly pseudonymize: (endUserId: string) => string;
}

/** USD -> integer micro-dollars, rounded down: a cap is never made larger than configured. */
export const usdToMicros = (usd: number): number => Math.floor(Math.round(usd * 1e8) / 100);

/** The app's hard cap: expected × hardCapPercent / 100, in micro-dollars (rounded down). */
export const appCapMicros = (expectedMonthlyUsd: number, hardCapPercent: number): number =>
  Math.floor((usdToMicros(expectedMonthlyUsd) * hardCapPercent) / 100);

export interface BuiltScope extends BudgetScope {
  readonly kind: ScopeKind;
}

export function budgetScopes(inputs: ScopeInputs): BuiltScope[] {
  const { app, principal, period } = inputs;
  const budget = app.budget;
  const scopes: BuiltScope[] = [];
  if (budget !== undefined) {
    scopes.push({
      kind: 'app',
      key: `app:${app.id}`,
      period,
      capMicros: appCapMicros(budget.expectedMonthlyUsd, budget.hardCapPercent),
    });
    if (budget.perKeyMonthlyUsd !== undefined && principal !== undefined && principal.keyId !== '') {
      scopes.push({
        kind: 'key',
        key: `key:${principal.keyId}`,
        period,
        capMicros: usdToMicros(budget.perKeyMonthlyUsd),
      });
    }
    const userId = principal?.endUserVerified === true ? principal.endUserId : undefined;
    if (budget.perUserMonthlyUsd !== undefined && userId !== undefined && userId !== '') {
      scopes.push({
        kind: 'user',
        key: `user:${inputs.pseudonymize(userId)}`,
        period,
        capMicros: usdToMicros(budget.perUserMonthlyUsd),
      });
    }
  }
  if (inputs.globalMonthlyUsd !== undefined) {
    scopes.push({ kind: 'global', key: 'global', period, capMicros: usdToMicros(inputs.globalMonthlyUsd) });
  }
  return scopes;
}
