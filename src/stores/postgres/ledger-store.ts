import type { Pool, PoolClient } from 'pg';
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
  sortUsage,
} from '../ledger-input.js';
import type { UsageField } from '../ledger-input.js';
import { migrateLedger, quoteSchema } from './ledger-schema.js';
import { createPool, inTransaction, toSafeInteger } from './pool.js';
import type { PostgresPoolOptions } from './pool.js';
import { ledgerSql } from './ledger-sql.js';
import type { LedgerSql } from './ledger-sql.js';

export interface PostgresLedgerStoreOptions extends PostgresPoolOptions {
  /** Schema holding the ledger tables, created if missing; default `bastion`. */
  readonly schema?: string;
  /**
   * Paces the background sweep of long-expired reservations (monotonic time only). Reservation expiry
   * itself always uses the database clock, so every replica agrees on it.
   */
  readonly clock?: Clock;
  /** How long an expired reservation is kept for a late commit, default one hour. */
  readonly expiredRetentionMs?: number;
  /**
   * Default true. False commits reserve() transactions with `synchronous_commit = off`: the scope row
   * lock is then held for no disk flush, which raises the throughput of one hot budget several times
   * on slow disks, at the price that a PostgreSQL *server crash* can forget the reservations of its
   * last few hundred milliseconds (their later commits are then recorded but not charged to totals).
   * Commits of actual spend are always durable.
   */
  readonly durableReservations?: boolean;
}

const USAGE_COLUMNS: Record<UsageField, string> = {
  app: 'app',
  keyId: 'key_id',
  user: 'user_id',
  model: 'model',
  environment: 'environment',
};

const SWEEP_EVERY_MS = 60_000;
const MISSING_ROWS = Symbol('missing scope rows');

interface ScopeCheck {
  scope: string;
  committed: number;
  reserved: number;
  cap: number;
}

const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';

/** Opens the pool, creates the schema and tables if needed, and returns the store. */
export async function createPostgresLedgerStore(
  options: PostgresLedgerStoreOptions,
): Promise<PostgresLedgerStore> {
  const schema = options.schema ?? 'bastion';
  quoteSchema(schema);
  const pool = createPool(options);
  try {
    await migrateLedger(pool, schema);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresLedgerStore(pool, schema, options);
}

/**
 * LedgerStore on PostgreSQL, exact across any number of replicas. reserve() runs one transaction that
 * locks the scopes' total rows in one global order (`ORDER BY key, period COLLATE "C" FOR UPDATE`, so
 * no deadlocks), then checks and inserts in a single statement whose snapshot postdates the locks.
 * Expiry compares against the database's clock_timestamp(). Semantics: the ledger contract suite.
 */
export class PostgresLedgerStore implements LedgerStore {
  private readonly sql: LedgerSql;
  private readonly clock: Clock;
  private readonly retentionMs: number;
  private readonly reserveBegin: string;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    schema: string,
    options: Pick<PostgresLedgerStoreOptions, 'clock' | 'expiredRetentionMs' | 'durableReservations'> = {},
  ) {
    this.sql = ledgerSql(quoteSchema(schema));
    this.clock = options.clock ?? systemClock;
    this.retentionMs = options.expiredRetentionMs ?? 3_600_000;
    this.reserveBegin =
      options.durableReservations === false ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN';
  }

  async reserve(
    reservationId: string,
    scopes: readonly BudgetScope[],
    amountMicros: number,
    ttlMs: number,
  ): Promise<ReserveResult> {
    checkReserve(reservationId, scopes, amountMicros, ttlMs);
    this.sweep();
    const keys = scopes.map((s) => s.key);
    const periods = scopes.map((s) => s.period);
    const caps = scopes.map((s) => s.capMicros);
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await inTransaction(
        this.pool,
        async (client) => {
          if (!(await this.lockScopes(client, keys, periods))) return MISSING_ROWS;
          return this.checkAndInsert(client, reservationId, amountMicros, ttlMs, keys, periods, caps);
        },
        this.reserveBegin,
      );
      if (result !== MISSING_ROWS) return result;
      // First use of a scope in this period: create its total row (outside the transaction, in lock order).
      await this.pool.query(this.sql.ensureTotals, [keys, periods]);
    }
    throw new Error('Budget total rows are missing after creating them.');
  }

  /** Commits one by one: each may lock different budget rows, and row locks are taken per commit. */
  async commitMany(
    items: ReadonlyArray<{ readonly reservationId: string; readonly entry: LedgerEntry }>,
  ): Promise<void> {
    for (const item of items) await this.commit(item.reservationId, item.entry);
  }

  async commit(reservationId: string, entry: LedgerEntry): Promise<void> {
    checkReservationId(reservationId);
    const checked = checkEntry(entry);
    const found = await this.pool.query<{
      settled: boolean;
      scopes: { key: string; period: string; cap: number }[];
    }>(this.sql.commitLookup, [reservationId]);
    const lookup = found.rows[0];
    if (lookup === undefined || lookup.settled) return; // Already settled: idempotent.
    const keys = lookup.scopes.map((s) => s.key);
    const periods = lookup.scopes.map((s) => s.period);
    const caps = lookup.scopes.map((s) => s.cap);
    await inTransaction(this.pool, async (client) => {
      if (keys.length > 0) await this.lockScopes(client, keys, periods);
      const deleted = await client.query<{ amount_micros: string; expired: boolean }>(
        this.sql.takeReservation,
        [reservationId],
      );
      const reservation = deleted.rows[0];
      let charge = checked.costMicros;
      if (reservation !== undefined) {
        charge = Math.min(charge, toSafeInteger(reservation.amount_micros));
        if (reservation.expired) charge = Math.min(charge, await this.room(client, keys, periods, caps));
      }
      // Unknown reservation (never reserved, released, swept, or settled by a concurrent commit):
      // record the entry and touch no totals; ON CONFLICT keeps a concurrent duplicate a no-op.
      const charged = reservation === undefined ? [[], []] : [keys, periods];
      await client.query(this.sql.settle, [
        ...charged,
        charge,
        reservationId,
        checked.requestId,
        checked.ts,
        checked.environment,
        checked.app,
        checked.keyId,
        checked.user,
        checked.model,
        checked.inputTokens,
        checked.cachedInputTokens,
        checked.outputTokens,
      ]);
    });
  }

  async release(reservationId: string): Promise<void> {
    checkReservationId(reservationId);
    await this.pool.query(this.sql.release, [reservationId]);
  }

  async totals(scopeKey: string, period: string): Promise<PeriodTotals> {
    const result = await this.pool.query<{ committed: string; reserved: string }>(this.sql.totals, [
      scopeKey,
      period,
    ]);
    const row = result.rows[0];
    return {
      committedMicros: toSafeInteger(row?.committed),
      reservedMicros: toSafeInteger(row?.reserved),
    };
  }

  async markAlertSent(scopeKey: string, period: string, thresholdPercent: number): Promise<boolean> {
    checkThreshold(scopeKey, period, thresholdPercent);
    const result = await this.pool.query(this.sql.markAlert, [scopeKey, period, thresholdPercent]);
    return result.rowCount === 1;
  }

  async usage(
    fromIso: string,
    toIso: string,
    groupBy: ReadonlyArray<'app' | 'keyId' | 'user' | 'model' | 'environment'>,
  ): Promise<UsageRow[]> {
    const { from, to, fields } = checkUsage(fromIso, toIso, groupBy);
    const columns = fields.map((field) => USAGE_COLUMNS[field]);
    const result = await this.pool.query<Record<string, string | null>>(this.sql.usage(columns), [from, to]);
    const rows = result.rows.map((row) => {
      const group: Record<string, string | null> = {};
      for (const field of fields) group[field] = row[USAGE_COLUMNS[field]] ?? null;
      return {
        group: Object.freeze(group),
        requests: toSafeInteger(row['requests']),
        inputTokens: toSafeInteger(row['input_tokens']),
        outputTokens: toSafeInteger(row['output_tokens']),
        costMicros: toSafeInteger(row['cost_micros']),
      };
    });
    return sortUsage(rows, fields);
  }

  /** Ends the pool (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /** Locks the scopes' total rows in the global order; false when a row does not exist yet. */
  private async lockScopes(client: PoolClient, keys: string[], periods: string[]): Promise<boolean> {
    if (keys.length === 0) return true;
    const locked = await client.query(this.sql.lockTotals, [keys, periods]);
    return locked.rowCount === keys.length;
  }

  private async checkAndInsert(
    client: PoolClient,
    reservationId: string,
    amountMicros: number,
    ttlMs: number,
    keys: string[],
    periods: string[],
    caps: number[],
  ): Promise<ReserveResult> {
    let row: { ok: boolean; inserted: number; scopes: ScopeCheck[] | null } | undefined;
    try {
      const result = await client.query(this.sql.checkAndInsert, [
        reservationId,
        amountMicros,
        ttlMs,
        keys,
        periods,
        caps,
      ]);
      row = result.rows[0];
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new Error('This reservation id has already been used.', { cause: error });
      }
      throw error;
    }
    if (row === undefined) throw new Error('The reserve statement returned no row.');
    if (!row.ok) {
      const failed = (row.scopes ?? []).find((s) => s.committed + s.reserved + amountMicros > s.cap);
      if (failed === undefined) throw new Error('The reserve statement refused without a failing scope.');
      return {
        ok: false,
        scope: failed.scope,
        committedMicros: failed.committed,
        reservedMicros: failed.reserved,
        capMicros: failed.cap,
      };
    }
    if (row.inserted !== 1) throw new Error('This reservation id has already been used.');
    return { ok: true };
  }

  /** What still fits under every cap of an expired reservation's scopes (rows locked by the caller). */
  private async room(client: PoolClient, keys: string[], periods: string[], caps: number[]): Promise<number> {
    if (keys.length === 0) return Number.MAX_SAFE_INTEGER;
    const result = await client.query<{ room: string }>(this.sql.room, [keys, periods, caps]);
    return Math.max(0, toSafeInteger(result.rows[0]?.room));
  }

  /** Deletes reservations expired longer than the retention, at most once a minute, off the request path. */
  private sweep(): void {
    const now = this.clock.monotonic();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    // Best effort: a failure only leaves dead rows for the next sweep; the request path never waits.
    this.pool.query(this.sql.sweep, [this.retentionMs]).catch(() => undefined);
  }
}
