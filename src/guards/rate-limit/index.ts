/**
 * The rate-limit guard: per-key concurrency, then request and token rates per key, verified end
 * user, client IP, model and app-wide (global), as configured in `apps.<app>.rateLimits`.
 *
 * Admission is all or nothing: buckets are consumed one by one in a fixed order and, when one
 * refuses, every bucket already consumed for this request is refunded and the concurrency slot is
 * released, so a refused request costs nothing. Token buckets reserve counted input + the enforced
 * output cap; settle() refunds what the provider reports was not used, or everything when the
 * request never reached the provider. Runs after auth, input validation and the end-user guard.
 */
import { systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import { GatewayError } from '../../core/errors.js';
import { ALLOW } from '../../core/types.js';
import type { Decision, Principal } from '../../core/types.js';
import type { AppPolicy } from '../../core/policy.js';
import type { RequestContext, SettleInfo } from '../../pipeline/context.js';
import type { RequestGuard } from '../../pipeline/guard.js';
import type { ConsumeResult, CounterStore } from '../../stores/ports.js';
import { writeRateLimitHeaders } from './headers.js';
import type { BucketState } from './headers.js';
import { MissingTokenCountError, concurrencyKey, planLimits } from './plan.js';
import type { PlannedLimit } from './plan.js';

export type { RateLimitKind, RateLimitScope } from './plan.js';

export interface RateLimitGuardOptions {
  readonly counters: CounterStore;
  /** Keyed pseudonymizer for end-user ids and client IPs, so store keys never hold either raw. */
  readonly pseudonymize: (id: string) => string;
  /** Called on every refusal with `<scope>_<kind>`, e.g. `key_requests`, `ip_tokens`, `key_concurrency`. */
  readonly onLimitHit?: (limit: string) => void;
  /** How long a concurrency slot is held if a request is never settled (crash); default 10 minutes. */
  readonly leaseMs?: number;
  /** Time base of the Anthropic `*-reset` timestamps (default the system clock). */
  readonly clock?: Clock;
  /** Store failures during settle or during cleanup of a refused admission (never thrown). */
  readonly onError?: (error: unknown) => void;
}

const DEFAULT_LEASE_MS = 10 * 60_000;
const GUARD_NAME = 'rate-limit';

/** What one admitted request holds, to give back in settle(). */
interface Admission {
  lease: { readonly key: string; readonly leaseId: string } | undefined;
  consumed: PlannedLimit[];
}

/** Turns a synchronous throw of a store method into a rejection, so allSettled sees it. */
const attempt = (call: () => Promise<void>): Promise<void> => Promise.resolve().then(call);

const deny = (error: GatewayError): Decision => ({ action: 'deny', error });

const rateLimited = (retryAfterMs: number, detail: string): Decision =>
  deny(
    new GatewayError('rate_limited', {
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
      detail,
      source: GUARD_NAME,
    }),
  );

const failClosed = (detail: string): Decision =>
  deny(new GatewayError('internal_error', { detail, source: GUARD_NAME }));

const stateOf = (limit: PlannedLimit, result: ConsumeResult): BucketState => ({
  kind: limit.kind,
  limit: result.limit,
  remaining: result.remaining,
  resetMs: result.resetMs,
});

/** The bucket as it is after refunding `limit.cost` (for the headers of a refused request). */
const refundedStateOf = (limit: PlannedLimit, result: ConsumeResult): BucketState => ({
  kind: limit.kind,
  limit: result.limit,
  remaining: Math.min(result.limit, result.remaining + limit.cost),
  resetMs: Math.max(0, Math.ceil(result.resetMs - (limit.cost * limit.windowMs) / limit.limit)),
});

/** Total tokens the provider reports for the request (what the token buckets should have been charged). */
function actualTokens(info: SettleInfo): number | undefined {
  const usage = info.usage;
  if (usage === undefined) return undefined;
  return usage.inputTokens + usage.cachedInputTokens + usage.cacheWriteTokens + usage.outputTokens;
}

export function createRateLimitGuard(options: RateLimitGuardOptions): RequestGuard {
  const { counters, pseudonymize } = options;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new RangeError('leaseMs must be a positive number');
  const clock = options.clock ?? systemClock;
  const admissions = new WeakMap<RequestContext, Admission>();

  const report = (error: unknown): void => {
    try {
      options.onError?.(error);
    } catch {
      // A failing error hook must not turn a settled request into a thrown one.
    }
  };

  const limitHit = (ctx: RequestContext, scope: string, kind: string): void => {
    ctx.triggers.push(`rate_limit.${scope}.${kind}`);
    try {
      options.onLimitHit?.(`${scope}_${kind}`);
    } catch (error) {
      report(error);
    }
  };

  /** Runs every store call even if some fail; failures go to onError. */
  const runAll = async (tasks: Array<Promise<void>>): Promise<void> => {
    for (const outcome of await Promise.allSettled(tasks)) {
      if (outcome.status === 'rejected') report(outcome.reason);
    }
  };

  /** Gives back everything an admission holds, once (later calls find it empty). */
  const undo = async (admission: Admission): Promise<void> => {
    const { lease, consumed } = admission;
    admission.lease = undefined;
    admission.consumed = [];
    const tasks = consumed.map((l) => attempt(() => counters.refund(l.key, l.cost, l.limit, l.windowMs)));
    if (lease) tasks.push(attempt(() => counters.release(lease.key, lease.leaseId)));
    await runAll(tasks);
  };

  const admit = async (
    ctx: RequestContext,
    app: AppPolicy,
    principal: Principal,
    plan: readonly PlannedLimit[],
    admission: Admission,
  ): Promise<Decision> => {
    const maxConcurrent = app.rateLimits.maxConcurrentPerKey;
    if (maxConcurrent !== undefined) {
      const key = concurrencyKey(app.id, principal.keyId);
      const slot = await counters.acquire(key, maxConcurrent, leaseMs);
      if (!slot.allowed) {
        limitHit(ctx, 'key', 'concurrency');
        return rateLimited(1000, 'rate_limit.key.concurrency');
      }
      admission.lease = { key, leaseId: slot.leaseId };
    }
    const taken: Array<{ readonly limit: PlannedLimit; readonly result: ConsumeResult }> = [];
    for (const limit of plan) {
      const result = await counters.consume(limit.key, limit.cost, limit.limit, limit.windowMs);
      if (!result.allowed) {
        // Headers show the buckets as the refunds leave them: a refused request was not counted.
        const shown = taken.map((t) => refundedStateOf(t.limit, t.result));
        shown.push(stateOf(limit, result));
        await undo(admission);
        writeRateLimitHeaders(ctx.responseHeaders, ctx.request.wire, shown, clock.now());
        limitHit(ctx, limit.scope, limit.kind);
        return rateLimited(result.retryAfterMs, `rate_limit.${limit.scope}.${limit.kind}`);
      }
      admission.consumed.push(limit);
      taken.push({ limit, result });
    }
    const states = taken.map((t) => stateOf(t.limit, t.result));
    writeRateLimitHeaders(ctx.responseHeaders, ctx.request.wire, states, clock.now());
    return ALLOW;
  };

  return {
    name: GUARD_NAME,

    async check(ctx: RequestContext): Promise<Decision> {
      const { app, principal, request } = ctx;
      if (!app || !principal) return failClosed('rate-limit guard ran without an authenticated app');
      let plan: PlannedLimit[];
      try {
        plan = planLimits({
          appId: app.id,
          policy: app.rateLimits,
          principal,
          operation: request.operation,
          model: request.model,
          clientIp: request.clientIp,
          tokenCost:
            ctx.inputTokens === undefined || ctx.maxOutputTokens === undefined
              ? undefined
              : ctx.inputTokens + ctx.maxOutputTokens,
          pseudonymize,
        });
      } catch (error) {
        if (error instanceof MissingTokenCountError) return failClosed(error.message);
        throw error;
      }
      const admission: Admission = { lease: undefined, consumed: [] };
      try {
        const decision = await admit(ctx, app, principal, plan, admission);
        if (decision.action === 'allow') admissions.set(ctx, admission);
        return decision;
      } catch (error) {
        // A store failure half-way must not leak what was already taken; the runner fails closed.
        await undo(admission);
        throw error;
      }
    },

    async settle(ctx: RequestContext, info: SettleInfo): Promise<void> {
      const admission = admissions.get(ctx);
      if (!admission) return;
      admissions.delete(ctx);
      try {
        const neverHappened =
          info.outcome === 'denied' || (info.outcome === 'failed' && !info.upstreamCalled);
        if (neverHappened) {
          await undo(admission);
          return;
        }
        const actual = actualTokens(info);
        const tasks: Array<Promise<void>> = [];
        const lease = admission.lease;
        if (lease) tasks.push(attempt(() => counters.release(lease.key, lease.leaseId)));
        // Without reported usage the reservation stands: charging the worst case is the safe side.
        if (actual !== undefined) {
          for (const l of admission.consumed) {
            if (l.kind === 'tokens' && actual < l.cost) {
              tasks.push(attempt(() => counters.refund(l.key, l.cost - actual, l.limit, l.windowMs)));
            }
          }
        }
        await runAll(tasks);
      } catch (error) {
        report(error);
      }
    },
  };
}
