export { createBudgetGuard } from './guard.js';
export type { BudgetGuardOptions } from './guard.js';
export type { BudgetAlert, BudgetAlertSeverity } from './alerts.js';
export type { BudgetPrice, BudgetPrices, BudgetRates } from './worst-case.js';
export { createPeriodOf } from './period.js';
export { appCapMicros, usdToMicros } from './scopes.js';
