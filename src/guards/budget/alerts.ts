/**
 * Spend alerts: when committed spend in a period crosses a percentage of the expected spend, one
 * `budget.threshold` alert, sent once per (scope, period, percent) across all replicas because the
 * ledger's markAlertSent decides who sends it. Alerts carry amounts and names, never request content.
 */
import type { LedgerStore } from '../../stores/ports.js';
import { usdToMicros } from './scopes.js';

export type BudgetAlertSeverity = 'info' | 'warning' | 'critical';

/** An alert as the monitor's dispatcher takes it (it adds environment and time). */
export interface BudgetAlert {
  readonly kind: string;
  readonly severity: BudgetAlertSeverity;
  readonly subject: Readonly<Record<string, string | number>>;
  readonly message: string;
}

export interface ThresholdWatch {
  readonly scopeKey: string;
  readonly period: string;
  readonly expectedUsd: number;
  readonly percents: readonly number[];
}

const usd = (micros: number): number => micros / 1e6;

/** Sends every threshold of `watch` that committed spend has reached and no replica has sent yet. */
export async function sendThresholdAlerts(
  ledger: LedgerStore,
  watch: ThresholdWatch,
  alert: (a: BudgetAlert) => void,
): Promise<void> {
  if (watch.percents.length === 0) return;
  const { committedMicros } = await ledger.totals(watch.scopeKey, watch.period);
  const expectedMicros = usdToMicros(watch.expectedUsd);
  const crossed = [...new Set(watch.percents)]
    .filter((percent) => committedMicros * 100 >= expectedMicros * percent)
    .sort((a, b) => a - b);
  for (const percent of crossed) {
    if (!(await ledger.markAlertSent(watch.scopeKey, watch.period, percent))) continue;
    alert({
      kind: 'budget.threshold',
      severity: percent >= 100 ? 'critical' : 'warning',
      subject: {
        scope: watch.scopeKey,
        period: watch.period,
        percent,
        committedUsd: usd(committedMicros),
        expectedUsd: watch.expectedUsd,
      },
      message: `Spend for ${watch.scopeKey} in ${watch.period} reached ${percent}% of the expected monthly amount.`,
    });
  }
}
