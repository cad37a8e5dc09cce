import type { Statement } from 'better-sqlite3';
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
import { closeSqlite } from './database.js';
import type { Database } from './database.js';
import {
  checkEntry,
  checkReservationId,
  checkReserve,
  checkThreshold,
  checkUsage,
  sortUsage,
} from '../ledger-input.js';
import type { UsageField } from '../ledger-input.js';

export interface SqliteLedgerStoreOptions {
  /** Time base for reservation expiry; inject a ManualClock in tests. */
  readonly clock?: Clock;
  /** How long an expired reservation is kept for a late commit, default one hour. */
  readonly expiredRetentionMs?: number;
}

/** Fixed mapping from entry fields to columns: the only names ever spliced into SQL. */
const USAGE_COLUMNS: Record<UsageField, string> = {
  app: 'app',
  keyId: 'key_id',
  user: 'user_id',
  model: 'model',
  environment: 'environment',
};

interface ReservedScopeRow {
  scope_key: string;
  period: string;
  cap_micros: number;
}

interface UsageSqlRow {
  [column: string]: string | number | null;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
}

/**
 * LedgerStore on the embedded SQLite database (see openSqlite, migration 2). Each reserve and commit is
 * one IMMEDIATE transaction, which takes the database write lock up front, so check-then-write is
 * atomic even across processes sharing the file. Semantics: tests/contract/ledger-store.contract.ts.
 */
export class SqliteLedgerStore implements LedgerStore {
  private readonly clock: Clock;
  private readonly retentionMs: number;
  private readonly usageStatements = new Map<string, Statement<[string, string], UsageSqlRow>>();
  private readonly sql;
  private readonly reserveTx: (
    id: string,
    scopes: readonly BudgetScope[],
    amount: number,
    ttlMs: number,
  ) => ReserveResult;
  private readonly commitTx: (id: string, entry: LedgerEntry) => void;
  private readonly commitManyTx: (
    items: ReadonlyArray<{ reservationId: string; entry: LedgerEntry }>,
  ) => void;
  private readonly readTotals: (scopeKey: string, period: string, now: number) => PeriodTotals;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Database,
    options: SqliteLedgerStoreOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.retentionMs = options.expiredRetentionMs ?? 3_600_000;
    const sql = {
      committed: db
        .prepare('SELECT committed_micros FROM ledger_scope_totals WHERE scope_key = ? AND period = ?')
        .pluck() as Statement<[string, string], number>,
      reserved: db
        .prepare(
          `SELECT COALESCE(SUM(amount_micros), 0) FROM ledger_reservation_scopes
           WHERE scope_key = ? AND period = ? AND expires_at > ?`,
        )
        .pluck() as Statement<[string, string, number], number>,
      used: db
        .prepare(
          `SELECT 1 FROM ledger_reservations WHERE reservation_id = @id
           UNION ALL SELECT 1 FROM ledger_entries WHERE reservation_id = @id`,
        )
        .pluck() as Statement<[{ id: string }], number>,
      insertReservation: db.prepare(
        'INSERT INTO ledger_reservations (reservation_id, amount_micros, expires_at) VALUES (?, ?, ?)',
      ) as Statement<[string, number, number]>,
      insertReservedScope: db.prepare(
        `INSERT INTO ledger_reservation_scopes
         (reservation_id, scope_key, period, cap_micros, amount_micros, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
      ) as Statement<[string, string, string, number, number, number]>,
      reservation: db.prepare(
        'SELECT amount_micros, expires_at FROM ledger_reservations WHERE reservation_id = ?',
      ) as Statement<[string], { amount_micros: number; expires_at: number }>,
      reservedScopes: db.prepare(
        'SELECT scope_key, period, cap_micros FROM ledger_reservation_scopes WHERE reservation_id = ?',
      ) as Statement<[string], ReservedScopeRow>,
      deleteReservation: db.prepare('DELETE FROM ledger_reservations WHERE reservation_id = ?') as Statement<
        [string]
      >,
      addCommitted: db.prepare(
        `INSERT INTO ledger_scope_totals (scope_key, period, committed_micros) VALUES (?, ?, ?)
         ON CONFLICT (scope_key, period) DO UPDATE SET committed_micros = committed_micros + excluded.committed_micros`,
      ) as Statement<[string, string, number]>,
      insertEntry: db.prepare(
        `INSERT INTO ledger_entries (reservation_id, request_id, ts, environment, app, key_id, user_id, model,
           input_tokens, cached_input_tokens, output_tokens, cost_micros)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (reservation_id) DO NOTHING`,
      ) as Statement<
        [
          string,
          string,
          string,
          string,
          string,
          string | null,
          string | null,
          string,
          number,
          number,
          number,
          number,
        ]
      >,
      hasEntry: db.prepare('SELECT 1 FROM ledger_entries WHERE reservation_id = ?').pluck() as Statement<
        [string],
        number
      >,
      markAlert: db.prepare(
        `INSERT INTO ledger_alerts (scope_key, period, threshold_percent, sent_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ) as Statement<[string, string, number, number]>,
      sweep: db.prepare('DELETE FROM ledger_reservations WHERE expires_at <= ?') as Statement<[number]>,
    };
    this.sql = sql;

    const reserve = (
      id: string,
      scopes: readonly BudgetScope[],
      amount: number,
      ttlMs: number,
    ): ReserveResult => {
      if (sql.used.get({ id }) !== undefined) throw new Error('This reservation id has already been used.');
      const now = this.clock.now();
      for (const scope of scopes) {
        const committedMicros = sql.committed.get(scope.key, scope.period) ?? 0;
        const reservedMicros = sql.reserved.get(scope.key, scope.period, now) ?? 0;
        if (committedMicros + reservedMicros + amount > scope.capMicros) {
          return { ok: false, scope: scope.key, committedMicros, reservedMicros, capMicros: scope.capMicros };
        }
      }
      const expiresAt = now + ttlMs;
      sql.insertReservation.run(id, amount, expiresAt);
      for (const scope of scopes) {
        sql.insertReservedScope.run(id, scope.key, scope.period, scope.capMicros, amount, expiresAt);
      }
      return { ok: true };
    };
    const reserveTx = db.transaction(reserve);
    this.reserveTx = (...args) => reserveTx.immediate(...args);

    const commit = (id: string, entry: LedgerEntry): void => {
      if (sql.hasEntry.get(id) !== undefined) return; // Already settled: idempotent.
      const reservation = sql.reservation.get(id);
      let charge = entry.costMicros;
      if (reservation !== undefined) {
        const scopes = sql.reservedScopes.all(id);
        sql.deleteReservation.run(id);
        const now = this.clock.now();
        charge = Math.min(charge, reservation.amount_micros);
        if (now >= reservation.expires_at) {
          // Its room may have been given away since it expired: charge only what still fits every cap.
          for (const s of scopes) {
            const used =
              (sql.committed.get(s.scope_key, s.period) ?? 0) +
              (sql.reserved.get(s.scope_key, s.period, now) ?? 0);
            charge = Math.min(charge, Math.max(0, s.cap_micros - used));
          }
        }
        for (const s of scopes) sql.addCommitted.run(s.scope_key, s.period, charge);
      }
      sql.insertEntry.run(
        id,
        entry.requestId,
        entry.ts,
        entry.environment,
        entry.app,
        entry.keyId,
        entry.user,
        entry.model,
        entry.inputTokens,
        entry.cachedInputTokens,
        entry.outputTokens,
        charge,
      );
    };
    // A read transaction so both numbers come from one snapshot.
    this.readTotals = db.transaction((scopeKey: string, period: string, now: number) => ({
      committedMicros: sql.committed.get(scopeKey, period) ?? 0,
      reservedMicros: sql.reserved.get(scopeKey, period, now) ?? 0,
    }));
    const commitTx = db.transaction(commit);
    this.commitTx = (...args) => commitTx.immediate(...args);
    const commitManyTx = db.transaction(
      (items: ReadonlyArray<{ reservationId: string; entry: LedgerEntry }>) => {
        for (const item of items) commit(item.reservationId, item.entry);
      },
    );
    this.commitManyTx = (items) => commitManyTx.immediate(items);
  }

  async reserve(
    reservationId: string,
    scopes: readonly BudgetScope[],
    amountMicros: number,
    ttlMs: number,
  ): Promise<ReserveResult> {
    checkReserve(reservationId, scopes, amountMicros, ttlMs);
    this.sweep();
    return this.reserveTx(reservationId, scopes, amountMicros, ttlMs);
  }

  async commit(reservationId: string, entry: LedgerEntry): Promise<void> {
    checkReservationId(reservationId);
    this.commitTx(reservationId, checkEntry(entry));
  }

  /** One IMMEDIATE transaction for the whole batch. */
  async commitMany(
    items: ReadonlyArray<{ readonly reservationId: string; readonly entry: LedgerEntry }>,
  ): Promise<void> {
    const checked = items.map((item) => {
      checkReservationId(item.reservationId);
      return { reservationId: item.reservationId, entry: checkEntry(item.entry) };
    });
    if (checked.length > 0) this.commitManyTx(checked);
  }

  async release(reservationId: string): Promise<void> {
    checkReservationId(reservationId);
    this.sql.deleteReservation.run(reservationId); // Cascades to its scope rows.
  }

  async totals(scopeKey: string, period: string): Promise<PeriodTotals> {
    return this.readTotals(scopeKey, period, this.clock.now());
  }

  async markAlertSent(scopeKey: string, period: string, thresholdPercent: number): Promise<boolean> {
    checkThreshold(scopeKey, period, thresholdPercent);
    return this.sql.markAlert.run(scopeKey, period, thresholdPercent, this.clock.now()).changes === 1;
  }

  async usage(
    fromIso: string,
    toIso: string,
    groupBy: ReadonlyArray<'app' | 'keyId' | 'user' | 'model' | 'environment'>,
  ): Promise<UsageRow[]> {
    const { from, to, fields } = checkUsage(fromIso, toIso, groupBy);
    const rows = this.usageStatement(fields).all(from, to);
    const out = rows.map((row) => {
      const group: Record<string, string | null> = {};
      for (const field of fields) group[field] = row[USAGE_COLUMNS[field]] as string | null;
      return {
        group: Object.freeze(group),
        requests: row.requests,
        inputTokens: row.input_tokens,
        outputTokens: row.output_tokens,
        costMicros: row.cost_micros,
      };
    });
    return sortUsage(out, fields);
  }

  /** Closes the shared database (idempotent); close the audit sink before the stores. */
  async close(): Promise<void> {
    closeSqlite(this.db);
  }

  private usageStatement(fields: readonly UsageField[]): Statement<[string, string], UsageSqlRow> {
    const columns = fields.map((field) => USAGE_COLUMNS[field]);
    const cacheKey = columns.join(',');
    let statement = this.usageStatements.get(cacheKey);
    if (statement === undefined) {
      const select = columns.map((column) => `${column}, `).join('');
      const groupBy = columns.length > 0 ? `GROUP BY ${cacheKey}` : '';
      statement = this.db.prepare(
        `SELECT ${select}COUNT(*) AS requests, SUM(input_tokens) AS input_tokens,
           SUM(output_tokens) AS output_tokens, SUM(cost_micros) AS cost_micros
         FROM ledger_entries WHERE ts >= ? AND ts < ? ${groupBy} HAVING COUNT(*) > 0`,
      ) as Statement<[string, string], UsageSqlRow>;
      this.usageStatements.set(cacheKey, statement);
    }
    return statement;
  }

  /** Deletes reservations expired longer than the retention, at most once a minute. */
  private sweep(): void {
    const now = this.clock.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    this.sql.sweep.run(now - this.retentionMs);
  }
}
