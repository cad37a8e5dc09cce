import type { AuditEvent } from '../core/audit-event.js';

/** A gateway-issued client key as stored: only the hash of the secret part is kept. */
export interface GatewayKeyRecord {
  /** Public id, the part of the key before the secret (e.g. `k3x9...`); safe to log. */
  readonly id: string;
  readonly appId: string;
  /** Lowercase hex SHA-256 of the full key string. */
  readonly hash: string;
  readonly label: string | null;
  /** Model restriction on top of the app allowlist; null = the app's list. */
  readonly models: readonly string[] | null;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
}

export interface KeyStore {
  create(record: GatewayKeyRecord): Promise<void>;
  get(id: string): Promise<GatewayKeyRecord | undefined>;
  list(appId?: string): Promise<GatewayKeyRecord[]>;
  /** Marks the key revoked; returns false when no such key exists. */
  revoke(id: string, at: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface AuditQuery {
  /** Only events at or after this ISO timestamp. */
  readonly since?: string;
  readonly limit?: number;
  readonly requestId?: string;
}

export interface AuditStore {
  /** Appends events atomically (one transaction). */
  append(events: readonly AuditEvent[]): Promise<void>;
  /** Newest first. */
  query(query?: AuditQuery): Promise<AuditEvent[]>;
  close(): Promise<void>;
}

// --- Issue 3: rate-limit counters and the spend ledger ------------------------------------------

/** Result of an atomic check-and-consume. Nothing is consumed when `allowed` is false. */
export interface ConsumeResult {
  readonly allowed: boolean;
  readonly limit: number;
  /** Capacity left after this call (0 when refused). */
  readonly remaining: number;
  /** Milliseconds until the bucket is completely full again (for x-ratelimit-reset-*). */
  readonly resetMs: number;
  /** Milliseconds until `cost` would be admitted; 0 when allowed. */
  readonly retryAfterMs: number;
}

/**
 * Rate-limit counters (GCRA: `limit` units per `windowMs`, bursts up to `limit`). Every operation is
 * atomic; the time base is the store's own clock (Redis TIME for Redis) so replicas agree.
 */
export interface CounterStore {
  consume(key: string, cost: number, limit: number, windowMs: number): Promise<ConsumeResult>;
  /** Gives back `cost` units (settlement refunds); never makes the bucket fuller than empty-of-use. */
  refund(key: string, cost: number, limit: number, windowMs: number): Promise<void>;
  /** Takes one of `limit` concurrency slots, held until released or until `leaseMs` passes. */
  acquire(
    key: string,
    limit: number,
    leaseMs: number,
  ): Promise<{ readonly allowed: boolean; readonly leaseId: string }>;
  release(key: string, leaseId: string): Promise<void>;
  close(): Promise<void>;
}

/** One budget a reservation must fit into, e.g. `app:support` for the period `2026-11`. */
export interface BudgetScope {
  readonly key: string;
  readonly period: string;
  /** Hard cap for the period in micro-dollars (1e-6 USD). */
  readonly capMicros: number;
}

export type ReserveResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** The first scope that could not fit the amount. */
      readonly scope: string;
      readonly committedMicros: number;
      readonly reservedMicros: number;
      readonly capMicros: number;
    };

/** What a settled request cost and who it was for (no content). */
export interface LedgerEntry {
  readonly requestId: string;
  readonly ts: string;
  readonly environment: string;
  readonly app: string;
  readonly keyId: string | null;
  readonly user: string | null;
  readonly model: string;
  readonly inputTokens: number;
  readonly cachedInputTokens: number;
  readonly outputTokens: number;
  readonly costMicros: number;
}

export interface PeriodTotals {
  readonly committedMicros: number;
  readonly reservedMicros: number;
}

export interface UsageRow {
  readonly group: Readonly<Record<string, string | null>>;
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costMicros: number;
}

/**
 * The durable spend ledger. `reserve` is atomic across all scopes (all or nothing) and counts
 * committed spend plus unexpired reservations against each cap, so concurrent requests on any
 * number of replicas can never commit more than a cap.
 */
export interface LedgerStore {
  reserve(
    reservationId: string,
    scopes: readonly BudgetScope[],
    amountMicros: number,
    ttlMs: number,
  ): Promise<ReserveResult>;
  /** Replaces the reservation by the actual cost (at most the reserved amount) and records the entry. */
  commit(reservationId: string, entry: LedgerEntry): Promise<void>;
  /** Several commits with `commit`'s semantics, in as few transactions as the store allows (settlement batches). */
  commitMany(
    items: ReadonlyArray<{ readonly reservationId: string; readonly entry: LedgerEntry }>,
  ): Promise<void>;
  /** Drops a reservation that led to no upstream charge. */
  release(reservationId: string): Promise<void>;
  totals(scopeKey: string, period: string): Promise<PeriodTotals>;
  /** Records that an alert for (scope, period, threshold) was sent; true only the first time. */
  markAlertSent(scopeKey: string, period: string, thresholdPercent: number): Promise<boolean>;
  /** Aggregates entries whose ts falls in [fromIso, toIso), grouped by the given entry fields. */
  usage(
    fromIso: string,
    toIso: string,
    groupBy: ReadonlyArray<'app' | 'keyId' | 'user' | 'model' | 'environment'>,
  ): Promise<UsageRow[]>;
  close(): Promise<void>;
}
