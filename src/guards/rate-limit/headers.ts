/**
 * Rate-limit response headers in the caller's wire format. For each kind (requests, tokens) the
 * most restrictive bucket this request touched is reported: the lowest remaining, and on a tie the
 * one that takes longest to refill. Kinds without a configured limit get no headers.
 *
 * OpenAI: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, reset as a duration (`1s`, `6m0s`,
 * `12ms`). Anthropic: `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`, reset as an
 * RFC 3339 timestamp (rounded up to the second, so a client that waits until then finds it full).
 */
import type { WireFormat } from '../../core/types.js';
import type { RateLimitKind } from './plan.js';

/** What one bucket looked like after this request (as consumed, or as restored by a refund). */
export interface BucketState {
  readonly kind: RateLimitKind;
  readonly limit: number;
  readonly remaining: number;
  /** Milliseconds until the bucket is completely full again. */
  readonly resetMs: number;
}

const KINDS: readonly RateLimitKind[] = ['requests', 'tokens'];

/** Go-style duration as OpenAI sends it: `12ms` below a second, else `1s`, `1.5s`, `6m0s`, `1h0m0s`. */
export function formatOpenAiDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const secondsMs = total % 60_000;
  // Integer arithmetic then trimming keeps `1.5s` from turning into `1.5000000000000002s`.
  const whole = Math.floor(secondsMs / 1000);
  const fraction = String(secondsMs % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
  const seconds = fraction === '' ? `${whole}s` : `${whole}.${fraction}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

/** RFC 3339 UTC timestamp of `nowMs + resetMs`, rounded up to the whole second. */
export function formatResetTimestamp(nowMs: number, resetMs: number): string {
  const at = Math.ceil((nowMs + Math.max(0, resetMs)) / 1000) * 1000;
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function mostRestrictive(states: readonly BucketState[], kind: RateLimitKind): BucketState | undefined {
  let best: BucketState | undefined;
  for (const state of states) {
    if (state.kind !== kind) continue;
    if (
      best === undefined ||
      state.remaining < best.remaining ||
      (state.remaining === best.remaining && state.resetMs > best.resetMs)
    ) {
      best = state;
    }
  }
  return best;
}

/** Writes the headers for `states` into `headers` (the context's responseHeaders). */
export function writeRateLimitHeaders(
  headers: Record<string, string>,
  wire: WireFormat,
  states: readonly BucketState[],
  nowMs: number,
): void {
  for (const kind of KINDS) {
    const state = mostRestrictive(states, kind);
    if (!state) continue;
    const limit = String(state.limit);
    const remaining = String(Math.max(0, state.remaining));
    if (wire === 'openai') {
      headers[`x-ratelimit-limit-${kind}`] = limit;
      headers[`x-ratelimit-remaining-${kind}`] = remaining;
      headers[`x-ratelimit-reset-${kind}`] = formatOpenAiDuration(state.resetMs);
    } else {
      headers[`anthropic-ratelimit-${kind}-limit`] = limit;
      headers[`anthropic-ratelimit-${kind}-remaining`] = remaining;
      headers[`anthropic-ratelimit-${kind}-reset`] = formatResetTimestamp(nowMs, state.resetMs);
    }
  }
}
