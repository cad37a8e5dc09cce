import { systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import type {
  BudgetScope,
  LedgerEntry,
  LedgerStore,
  PeriodTotals,
  ReserveResult,
  UsageRow,
} from '../ports.js';
import {
  checkEntry,
  checkReservationId,
  checkReserve,
  checkThreshold,
  checkUsage,
  scopeId,
  sortUsage,
} from '../ledger-input.js';
import type { UsageField } from '../ledger-input.js';

export interface MemoryLedgerStoreOptions {
  /** Time base for reservation expiry; inject a ManualClock in tests. */
  readonly clock?: Clock;
  /**
   * How long an expired reservation is kept so a late commit can still be charged to its scopes,
   * default one hour. After that a commit is treated as one for an unknown reservation.
   */
  readonly expiredRetentionMs?: number;
}

interface Reservation {
  readonly amountMicros: number;
  readonly expiresAt: number;
  readonly scopes: readonly BudgetScope[];
}

const ENTRY_FIELDS: Record<UsageField, (entry: LedgerEntry) => string | null> = {
  app: (e) => e.app,
  keyId: (e) => e.keyId,
  user: (e) => e.user,
  model: (e) => e.model,
  environment: (e) => e.environment,
};

/**
 * In-process LedgerStore (embedded default for tests and single-process use). Every method runs to
 * completion without awaiting, so each operation is atomic on the event loop. Semantics are those of
 * the contract suite (tests/contract/ledger-store.contract.ts), shared with SQLite and PostgreSQL.
 */
export class MemoryLedgerStore implements LedgerStore {
  private readonly clock: Clock;
  private readonly retentionMs: number;
  private readonly reservations = new Map<string, Reservation>();
  /** Reservation ids per scope, so summing a scope's reservations does not scan all of them. */
  private readonly byScope = new Map<string, Set<string>>();
  private readonly committed = new Map<string, number>();
  private readonly entries = new Map<string, LedgerEntry>();
  private readonly alerts = new Set<string>();
  private lastSweep = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(options: MemoryLedgerStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.retentionMs = options.expiredRetentionMs ?? 3_600_000;
  }

  async reserve(
    reservationId: string,
    scopes: readonly BudgetScope[],
    amountMicros: number,
    ttlMs: number,
  ): Promise<ReserveResult> {
    this.assertOpen();
    checkReserve(reservationId, scopes, amountMicros, ttlMs);
    const now = this.clock.now();
    this.sweep(now);
    if (this.reservations.has(reservationId) || this.entries.has(reservationId)) {
      throw new Error('This reservation id has already been used.');
    }
    for (const scope of scopes) {
      const id = scopeId(scope.key, scope.period);
      const committedMicros = this.committed.get(id) ?? 0;
      const reservedMicros = this.activeReserved(id, now);
      if (committedMicros + reservedMicros + amountMicros > scope.capMicros) {
        return { ok: false, scope: scope.key, committedMicros, reservedMicros, capMicros: scope.capMicros };
      }
    }
    const copies = Object.freeze(scopes.map((scope) => Object.freeze({ ...scope })));
    this.reservations.set(reservationId, { amountMicros, expiresAt: now + ttlMs, scopes: copies });
    for (const scope of copies) {
      const id = scopeId(scope.key, scope.period);
      let ids = this.byScope.get(id);
      if (ids === undefined) this.byScope.set(id, (ids = new Set()));
      ids.add(reservationId);
    }
    return { ok: true };
  }

  async commitMany(
    items: ReadonlyArray<{ readonly reservationId: string; readonly entry: LedgerEntry }>,
  ): Promise<void> {
    for (const item of items) await this.commit(item.reservationId, item.entry);
  }

  async commit(reservationId: string, entry: LedgerEntry): Promise<void> {
    this.assertOpen();
    checkReservationId(reservationId);
    const checked = checkEntry(entry);
    if (this.entries.has(reservationId)) return; // Already settled: idempotent.
    const reservation = this.reservations.get(reservationId);
    if (reservation === undefined) {
      // Unknown (never reserved, released, or expired long ago): record the spend, touch no totals.
      this.entries.set(reservationId, checked);
      return;
    }
    this.drop(reservationId, reservation);
    const now = this.clock.now();
    let charge = Math.min(checked.costMicros, reservation.amountMicros);
    if (now >= reservation.expiresAt) {
      // Its room may have been given away since it expired: charge only what still fits every cap.
      for (const scope of reservation.scopes) {
        const id = scopeId(scope.key, scope.period);
        const room = scope.capMicros - (this.committed.get(id) ?? 0) - this.activeReserved(id, now);
        charge = Math.min(charge, Math.max(0, room));
      }
    }
    for (const scope of reservation.scopes) {
      const id = scopeId(scope.key, scope.period);
      this.committed.set(id, (this.committed.get(id) ?? 0) + charge);
    }
    this.entries.set(reservationId, Object.freeze({ ...checked, costMicros: charge }));
  }

  async release(reservationId: string): Promise<void> {
    this.assertOpen();
    checkReservationId(reservationId);
    const reservation = this.reservations.get(reservationId);
    if (reservation !== undefined) this.drop(reservationId, reservation);
  }

  async totals(scopeKey: string, period: string): Promise<PeriodTotals> {
    this.assertOpen();
    const id = scopeId(scopeKey, period);
    return {
      committedMicros: this.committed.get(id) ?? 0,
      reservedMicros: this.activeReserved(id, this.clock.now()),
    };
  }

  async markAlertSent(scopeKey: string, period: string, thresholdPercent: number): Promise<boolean> {
    this.assertOpen();
    checkThreshold(scopeKey, period, thresholdPercent);
    const id = `${scopeId(scopeKey, period)}\u0000${thresholdPercent}`;
    if (this.alerts.has(id)) return false;
    this.alerts.add(id);
    return true;
  }

  async usage(
    fromIso: string,
    toIso: string,
    groupBy: ReadonlyArray<'app' | 'keyId' | 'user' | 'model' | 'environment'>,
  ): Promise<UsageRow[]> {
    this.assertOpen();
    const { from, to, fields } = checkUsage(fromIso, toIso, groupBy);
    const rows = new Map<string, { group: Record<string, string | null>; sums: number[] }>();
    for (const entry of this.entries.values()) {
      if (entry.ts < from || entry.ts >= to) continue;
      const group: Record<string, string | null> = {};
      for (const field of fields) group[field] = ENTRY_FIELDS[field](entry);
      const key = JSON.stringify(fields.map((field) => group[field]));
      let row = rows.get(key);
      if (row === undefined) rows.set(key, (row = { group, sums: [0, 0, 0, 0] }));
      const [requests = 0, input = 0, output = 0, cost = 0] = row.sums;
      row.sums = [
        requests + 1,
        input + entry.inputTokens,
        output + entry.outputTokens,
        cost + entry.costMicros,
      ];
    }
    const out = [...rows.values()].map(({ group, sums }) => ({
      group: Object.freeze(group),
      requests: sums[0] ?? 0,
      inputTokens: sums[1] ?? 0,
      outputTokens: sums[2] ?? 0,
      costMicros: sums[3] ?? 0,
    }));
    return sortUsage(out, fields);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private activeReserved(id: string, now: number): number {
    let total = 0;
    for (const reservationId of this.byScope.get(id) ?? []) {
      const reservation = this.reservations.get(reservationId);
      if (reservation !== undefined && reservation.expiresAt > now) total += reservation.amountMicros;
    }
    return total;
  }

  private drop(reservationId: string, reservation: Reservation): void {
    this.reservations.delete(reservationId);
    for (const scope of reservation.scopes) {
      const id = scopeId(scope.key, scope.period);
      const ids = this.byScope.get(id);
      ids?.delete(reservationId);
      if (ids?.size === 0) this.byScope.delete(id);
    }
  }

  /** Forgets reservations expired longer than the retention, at most once a minute. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [reservationId, reservation] of this.reservations) {
      if (reservation.expiresAt + this.retentionMs <= now) this.drop(reservationId, reservation);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Ledger store is closed.');
  }
}
