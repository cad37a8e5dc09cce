/**
 * Outage policy for request-rate limits: answer from the shared store (Redis) while it works, and
 * from a local in-memory limiter while it does not.
 *
 * Degraded mode (documented): limits are enforced per replica, so N replicas admit up to N times a
 * shared limit. This is a deliberate availability choice for rate limits only — spend caps and
 * authentication never use this and fail closed. Every call answered locally is counted
 * (`fallbackCount`), `onDegraded` fires once per transition, and the shared store is used again
 * as soon as it answers: while degraded, at most one call per `probeIntervalMs` is sent to it as a
 * probe (so a hung server costs one timeout per interval, not one per request).
 */
import { MemoryCounterStore } from './memory/counter-store.js';
import type { ConsumeResult, CounterStore } from './ports.js';

/** A shared store that can tell whether its connection is up (RedisCounterStore). */
export interface HealthAwareCounterStore extends CounterStore {
  isHealthy(): boolean;
}

export type DegradedState = 'degraded' | 'recovered';

export interface ResilientCounterStoreOptions {
  readonly primary: HealthAwareCounterStore;
  /** The local limiter used while degraded (default: a new MemoryCounterStore). */
  readonly fallback?: CounterStore;
  /** While degraded, the least time between two probe calls to the primary (default 1000 ms). */
  readonly probeIntervalMs?: number;
  /** Called once per transition. Must not throw; exceptions are swallowed. */
  readonly onDegraded?: (state: DegradedState) => void;
  /** Clock for the probe interval (default Date.now). */
  readonly now?: () => number;
  /** Called for every call answered by the local limiter (a counted fail-open). Must not throw. */
  readonly onFallback?: () => void;
}

/** Lease ids handed out by the fallback carry this prefix, so release goes to the right store. */
const LOCAL_LEASE = 'local:';

export class ResilientCounterStore implements CounterStore {
  private readonly primary: HealthAwareCounterStore;
  private readonly fallback: CounterStore;
  private readonly probeIntervalMs: number;
  private readonly now: () => number;
  private degraded = false;
  private nextProbeAt = 0;
  private fallbacks = 0;
  private primaryErrors = 0;

  constructor(private readonly options: ResilientCounterStoreOptions) {
    this.primary = options.primary;
    this.fallback = options.fallback ?? new MemoryCounterStore();
    this.probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Calls answered by the local limiter since start (for metrics and alerts). */
  get fallbackCount(): number {
    return this.fallbacks;
  }

  /** Calls the primary rejected or could not take (including failed refunds and releases). */
  get primaryErrorCount(): number {
    return this.primaryErrors;
  }

  isDegraded(): boolean {
    return this.degraded;
  }

  consume(key: string, cost: number, limit: number, windowMs: number): Promise<ConsumeResult> {
    return this.route(
      () => this.primary.consume(key, cost, limit, windowMs),
      () => this.fallback.consume(key, cost, limit, windowMs),
    );
  }

  /**
   * Refunds go to the store currently in use; a refund for units consumed on the other side is
   * lost, which only makes the limit stricter. A failed refund is counted, not thrown: it is
   * settlement bookkeeping and must not fail a finished request.
   */
  async refund(key: string, cost: number, limit: number, windowMs: number): Promise<void> {
    if (this.shouldUsePrimary()) {
      try {
        await this.primary.refund(key, cost, limit, windowMs);
        this.markRecovered();
        return;
      } catch {
        this.markFailed();
      }
    }
    await this.fallback.refund(key, cost, limit, windowMs);
  }

  async acquire(
    key: string,
    limit: number,
    leaseMs: number,
  ): Promise<{ readonly allowed: boolean; readonly leaseId: string }> {
    return this.route(
      () => this.primary.acquire(key, limit, leaseMs),
      async () => {
        const lease = await this.fallback.acquire(key, limit, leaseMs);
        return { allowed: lease.allowed, leaseId: LOCAL_LEASE + lease.leaseId };
      },
    );
  }

  /** Releases where the lease was taken; a lost release frees itself when the lease expires. */
  async release(key: string, leaseId: string): Promise<void> {
    if (leaseId.startsWith(LOCAL_LEASE)) {
      await this.fallback.release(key, leaseId.slice(LOCAL_LEASE.length));
      return;
    }
    try {
      await this.primary.release(key, leaseId);
    } catch {
      this.primaryErrors++;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.primary.close(), this.fallback.close()]);
  }

  private async route<T>(onPrimary: () => Promise<T>, onFallback: () => Promise<T>): Promise<T> {
    if (this.shouldUsePrimary()) {
      try {
        const result = await onPrimary();
        this.markRecovered();
        return result;
      } catch (error) {
        // Bad arguments are the caller's bug, not an outage: fail closed, do not degrade.
        if (error instanceof RangeError) throw error;
        this.markFailed();
      }
    } else if (!this.degraded) {
      this.markFailed(); // the primary reports itself down before any call failed
    }
    this.fallbacks++;
    try {
      this.options.onFallback?.();
    } catch {
      // Metrics must never change an answer.
    }
    return onFallback();
  }

  private shouldUsePrimary(): boolean {
    if (!this.primary.isHealthy()) return false;
    if (!this.degraded) return true;
    const now = this.now();
    if (now < this.nextProbeAt) return false;
    this.nextProbeAt = now + this.probeIntervalMs; // this call is the probe
    return true;
  }

  private markFailed(): void {
    this.primaryErrors++;
    this.nextProbeAt = this.now() + this.probeIntervalMs;
    if (this.degraded) return;
    this.degraded = true;
    this.notify('degraded');
  }

  private markRecovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.notify('recovered');
  }

  private notify(state: DegradedState): void {
    try {
      this.options.onDegraded?.(state);
    } catch {
      // an alerting hook must never break limiting
    }
  }
}
