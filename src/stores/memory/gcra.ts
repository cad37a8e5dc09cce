/**
 * GCRA (generic cell rate algorithm) arithmetic of the in-memory counter store; the Redis adapter
 * runs the same steps in Lua (src/stores/redis/scripts.ts) and must stay in step with this.
 *
 * A bucket of `limit` units per `windowMs` has emission interval T = windowMs / limit. Its state is
 * the theoretical arrival time TAT. A request of `cost` units moves TAT to max(TAT, now) + cost * T
 * and is admitted iff TAT - now then stays within one window; a refused request changes nothing.
 *
 * Precision: TAT is kept as the pair (at, used) with TAT = at + used, `at` being the time of the last
 * write and `used` = TAT - at, a small number. Storing TAT itself as one epoch-ms double would round
 * it to ~0.24 µs on every write, and with a fractional T those errors pile up over a burst until the
 * last unit of a full bucket is refused (or one too many admitted). Small numbers keep ~1e-16
 * relative precision, so a slack of one billionth of the window is plenty and never admits an extra
 * unit (that would need limit > 1e9).
 */
import type { ConsumeResult } from '../ports.js';

/** TAT = at + used (ms). */
export interface GcraState {
  readonly at: number;
  readonly used: number;
}

/** Relative slack on the window for float rounding. */
export const GCRA_RELATIVE_EPSILON = 1e-9;

/** Extra lifetime given to stored state beyond the moment it stops mattering. */
export const GCRA_EXPIRY_MARGIN_MS = 1000;

export interface ConsumeStep {
  readonly result: ConsumeResult;
  /** New state to store; undefined when refused (nothing is stored on refusal). */
  readonly state: GcraState | undefined;
}

/** Throws RangeError on arguments that would make a limit meaningless (fail closed). */
export function assertLimitArgs(cost: number, limit: number, windowMs: number): void {
  if (!Number.isFinite(cost) || cost < 0) throw new RangeError('cost must be a finite number >= 0');
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw new RangeError('windowMs must be a positive number');
}

/** max(TAT, now) - now. A clock that stepped back is treated as no time passing. */
function usedAt(state: GcraState | undefined, now: number): number {
  if (!state) return 0;
  return Math.max(state.used - Math.max(now - state.at, 0), 0);
}

export function gcraConsume(
  state: GcraState | undefined,
  now: number,
  cost: number,
  limit: number,
  windowMs: number,
): ConsumeStep {
  const interval = windowMs / limit;
  const ceiling = windowMs * (1 + GCRA_RELATIVE_EPSILON);
  const used = usedAt(state, now);
  const usedAfter = used + cost * interval;
  if (usedAfter <= ceiling) {
    return {
      state: { at: now, used: usedAfter },
      result: {
        allowed: true,
        limit,
        remaining: Math.floor((ceiling - usedAfter) / interval),
        resetMs: Math.ceil(usedAfter),
        retryAfterMs: 0,
      },
    };
  }
  return {
    state: undefined,
    result: {
      allowed: false,
      limit,
      remaining: 0,
      // Nothing was consumed, so the bucket is full again once the current TAT passes.
      resetMs: Math.ceil(used),
      retryAfterMs: Math.ceil(usedAfter - windowMs),
    },
  };
}

/** State after giving back `cost` units; undefined when the bucket is then completely unused. */
export function gcraRefund(
  state: GcraState | undefined,
  now: number,
  cost: number,
  limit: number,
  windowMs: number,
): GcraState | undefined {
  const usedAfter = usedAt(state, now) - cost * (windowMs / limit);
  return usedAfter > 0 ? { at: now, used: usedAfter } : undefined;
}
