/**
 * In-process CounterStore: the embedded default, and the local fallback of ResilientCounterStore.
 * Limits held here are per process (per replica), which is exactly why the distributed setup uses
 * Redis. Entries expire lazily; the map is bounded so a flood of distinct keys (e.g. spoofed client
 * ids) cannot exhaust memory: when full, expired entries are swept and then the least recently used
 * entry is evicted (which forgets that key's usage — documented fail-open of the bound, rather than
 * refusing unrelated callers).
 */
import { systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import { randomBase62 } from '../../core/ids.js';
import type { ConsumeResult, CounterStore } from '../ports.js';
import { GCRA_EXPIRY_MARGIN_MS, assertLimitArgs, gcraConsume, gcraRefund } from './gcra.js';
import type { GcraState } from './gcra.js';

export interface MemoryCounterStoreOptions {
  readonly clock?: Clock;
  /** Most buckets plus concurrency keys kept at once (default 100 000). */
  readonly maxKeys?: number;
}

interface RateEntry {
  state: GcraState;
  expiresAt: number;
}

interface SlotEntry {
  /** leaseId -> lease expiry (epoch ms). */
  readonly leases: Map<string, number>;
  expiresAt: number;
}

export class MemoryCounterStore implements CounterStore {
  private readonly clock: Clock;
  private readonly maxKeys: number;
  private readonly rates = new Map<string, RateEntry>();
  private readonly slots = new Map<string, SlotEntry>();

  constructor(options: MemoryCounterStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isSafeInteger(this.maxKeys) || this.maxKeys < 1) {
      throw new RangeError('maxKeys must be a positive integer');
    }
  }

  /** Number of live keys held (rate buckets plus concurrency keys); for tests and metrics. */
  get size(): number {
    return this.rates.size + this.slots.size;
  }

  async consume(key: string, cost: number, limit: number, windowMs: number): Promise<ConsumeResult> {
    assertLimitArgs(cost, limit, windowMs);
    const now = this.clock.now();
    const step = gcraConsume(this.liveRate(key, now)?.state, now, cost, limit, windowMs);
    if (step.state) this.storeRate(key, step.state, now);
    return step.result;
  }

  async refund(key: string, cost: number, limit: number, windowMs: number): Promise<void> {
    assertLimitArgs(cost, limit, windowMs);
    const now = this.clock.now();
    const state = gcraRefund(this.liveRate(key, now)?.state, now, cost, limit, windowMs);
    if (state) this.storeRate(key, state, now);
    else this.rates.delete(key);
  }

  async acquire(
    key: string,
    limit: number,
    leaseMs: number,
  ): Promise<{ readonly allowed: boolean; readonly leaseId: string }> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new RangeError('leaseMs must be a positive number');
    const now = this.clock.now();
    const leaseId = randomBase62(20);
    let entry = this.slots.get(key);
    if (entry) {
      for (const [id, expiry] of entry.leases) if (expiry <= now) entry.leases.delete(id);
      this.slots.delete(key); // re-inserted below: keeps the map in least-recently-used order
    }
    if (entry && entry.leases.size >= limit) {
      this.slots.set(key, entry);
      return { allowed: false, leaseId };
    }
    if (!entry) {
      this.makeRoom(now);
      entry = { leases: new Map(), expiresAt: 0 };
    }
    entry.leases.set(leaseId, now + leaseMs);
    entry.expiresAt = Math.max(entry.expiresAt, now + leaseMs);
    this.slots.set(key, entry);
    return { allowed: true, leaseId };
  }

  async release(key: string, leaseId: string): Promise<void> {
    const entry = this.slots.get(key);
    if (!entry) return;
    entry.leases.delete(leaseId);
    if (entry.leases.size === 0) this.slots.delete(key);
  }

  async close(): Promise<void> {
    this.rates.clear();
    this.slots.clear();
  }

  private liveRate(key: string, now: number): RateEntry | undefined {
    const entry = this.rates.get(key);
    if (!entry) return undefined;
    this.rates.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.rates.set(key, entry); // most recently used goes last
    return entry;
  }

  private storeRate(key: string, state: GcraState, now: number): void {
    const expiresAt = state.at + state.used + GCRA_EXPIRY_MARGIN_MS;
    const entry = this.rates.get(key);
    if (entry) {
      entry.state = state;
      entry.expiresAt = expiresAt;
      return;
    }
    this.makeRoom(now);
    this.rates.set(key, { state, expiresAt });
  }

  /** Frees one place when the bound is reached: sweep expired entries, else evict the LRU one. */
  private makeRoom(now: number): void {
    if (this.size < this.maxKeys) return;
    for (const [key, entry] of this.rates) if (entry.expiresAt <= now) this.rates.delete(key);
    for (const [key, entry] of this.slots) if (entry.expiresAt <= now) this.slots.delete(key);
    if (this.size < this.maxKeys) return;
    const victims = this.rates.size > 0 ? this.rates : this.slots;
    const oldest = victims.keys().next();
    if (!oldest.done) victims.delete(oldest.value);
  }
}
