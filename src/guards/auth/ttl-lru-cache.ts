import type { Clock } from '../../core/clock.js';

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/**
 * A small LRU map whose entries also expire after `ttlMs` (measured on the monotonic clock).
 * Bounded: inserting beyond `maxEntries` evicts the least recently used entry, so hostile
 * traffic cannot grow it without limit. Relies on Map keeping insertion order.
 */
export class TtlLruCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be >= 1');
    if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new RangeError('ttlMs must be >= 0');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Returns `{ value }` on a fresh hit (so cached `undefined` values are distinguishable from a miss). */
  get(key: string): { value: V } | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.clock.monotonic() >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    // Move to the most-recently-used end; the expiry stays the one set when it was fetched.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return { value: entry.value };
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.clock.monotonic() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
