import type { BudgetScope, LedgerEntry, UsageRow } from './ports.js';

/*
 * Argument checks every LedgerStore adapter applies identically; part of the ledger port's contract,
 * so adapters import it next to ports.ts.
 */

export type UsageField = 'app' | 'keyId' | 'user' | 'model' | 'environment';
const USAGE_FIELDS: ReadonlySet<string> = new Set<UsageField>([
  'app',
  'keyId',
  'user',
  'model',
  'environment',
]);

const MAX_ID_LENGTH = 200;

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function checkText(value: unknown, what: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw new RangeError(`${what} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
}

function checkNullableText(value: unknown, what: string): void {
  if (value !== null) checkText(value, what);
}

function checkCount(value: unknown, what: string): void {
  if (!isCount(value)) throw new RangeError(`${what} must be a non-negative safe integer`);
}

/** The identity of one period total: key and period joined by a separator neither may contain. */
export const scopeId = (key: string, period: string): string => `${key}\u0000${period}`;

export function checkReservationId(reservationId: string): void {
  checkText(reservationId, 'reservationId');
}

/** Validates reserve() arguments; a scope listed twice would be charged twice, so it is refused. */
export function checkReserve(
  reservationId: string,
  scopes: readonly BudgetScope[],
  amountMicros: number,
  ttlMs: number,
): void {
  checkReservationId(reservationId);
  checkCount(amountMicros, 'amountMicros');
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive integer');
  const seen = new Set<string>();
  for (const scope of scopes) {
    checkText(scope.key, 'scope key');
    checkText(scope.period, 'scope period');
    if (scope.key.includes('\u0000') || scope.period.includes('\u0000')) {
      throw new RangeError('scope key and period must not contain NUL');
    }
    checkCount(scope.capMicros, 'capMicros');
    const id = scopeId(scope.key, scope.period);
    if (seen.has(id)) throw new RangeError('a budget scope is listed twice');
    seen.add(id);
  }
}

/** Parses an ISO-8601 timestamp and returns it in the one canonical form (`toISOString`, UTC). */
export function canonicalTs(ts: string, what = 'ts'): string {
  const ms = typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be an ISO-8601 timestamp`);
  return new Date(ms).toISOString();
}

/** Validates an entry and returns a frozen copy with its timestamp in canonical form. */
export function checkEntry(entry: LedgerEntry): LedgerEntry {
  checkText(entry.requestId, 'requestId');
  checkText(entry.environment, 'environment');
  checkText(entry.app, 'app');
  checkNullableText(entry.keyId, 'keyId');
  checkNullableText(entry.user, 'user');
  checkText(entry.model, 'model');
  checkCount(entry.inputTokens, 'inputTokens');
  checkCount(entry.cachedInputTokens, 'cachedInputTokens');
  checkCount(entry.outputTokens, 'outputTokens');
  checkCount(entry.costMicros, 'costMicros');
  return Object.freeze({ ...entry, ts: canonicalTs(entry.ts) });
}

export function checkThreshold(scopeKey: string, period: string, thresholdPercent: number): void {
  checkText(scopeKey, 'scope key');
  checkText(period, 'scope period');
  if (!Number.isSafeInteger(thresholdPercent) || thresholdPercent <= 0) {
    throw new RangeError('thresholdPercent must be a positive integer');
  }
}

/** Validates usage() arguments: canonical bounds and the group fields without repeats, in order. */
export function checkUsage(
  fromIso: string,
  toIso: string,
  groupBy: readonly string[],
): { from: string; to: string; fields: UsageField[] } {
  const fields: UsageField[] = [];
  for (const field of groupBy) {
    if (!USAGE_FIELDS.has(field))
      throw new RangeError('groupBy accepts app, keyId, user, model, environment');
    if (!fields.includes(field as UsageField)) fields.push(field as UsageField);
  }
  return { from: canonicalTs(fromIso, 'from'), to: canonicalTs(toIso, 'to'), fields };
}

/** Usage rows in one order for every adapter: by group values left to right, null first. */
export function sortUsage(rows: UsageRow[], fields: readonly UsageField[]): UsageRow[] {
  const compare = (a: string | null | undefined, b: string | null | undefined): number => {
    if (a === b) return 0;
    if (a === null || a === undefined) return -1;
    if (b === null || b === undefined) return 1;
    return a < b ? -1 : 1;
  };
  return rows.sort((x, y) => {
    for (const field of fields) {
      const order = compare(x.group[field], y.group[field]);
      if (order !== 0) return order;
    }
    return 0;
  });
}
