import { GatewayError, isGatewayError } from '../core/errors.js';
import type { Decision } from '../core/types.js';
import type { RequestContext } from './context.js';
import type { RequestGuard } from './guard.js';
import { withTimeout } from './timeout.js';

/** What the runner reports about a guard that failed to decide (for logs and metrics, never clients). */
export interface GuardFailure {
  readonly guard: string;
  readonly reason: 'threw' | 'timeout' | 'invalid_decision';
}

export interface GuardRunOptions {
  /** Timeout for a guard that returns a promise, unless the guard sets its own. */
  readonly defaultTimeoutMs: number;
  /** Called when a guard fails to decide; the request is denied either way (fail closed). */
  readonly onFailure?: (failure: GuardFailure) => void;
}

/**
 * Runs request guards in order. The first denial stops the chain. A guard that throws, times out
 * or returns something that is not a decision denies the request with `guard_failed`: no control
 * can fail open. Synchronous guards pay no timer or promise cost.
 */
export async function runRequestGuards(
  guards: readonly RequestGuard[],
  ctx: RequestContext,
  options: GuardRunOptions,
): Promise<GatewayError | undefined> {
  for (const guard of guards) {
    let decision: Decision;
    let pending: Promise<Decision> | undefined;
    try {
      const result = guard.check(ctx);
      pending = isPromise(result) ? result : undefined;
      decision = pending
        ? await withTimeout(
            pending,
            guard.timeoutMs ?? options.defaultTimeoutMs,
            () => new GuardTimeout(guard.name),
          )
        : (result as Decision);
    } catch (error) {
      if (isGatewayError(error) && error.code !== 'guard_failed') return withSource(error, guard.name);
      const reason = error instanceof GuardTimeout ? 'timeout' : 'threw';
      if (reason === 'timeout' && pending) settleLateAdmission(guard, ctx, pending);
      options.onFailure?.({ guard: guard.name, reason });
      return new GatewayError('guard_failed', { source: guard.name, detail: reason });
    }
    if (decision?.action === 'allow') {
      ctx.admittedBy.push(guard);
      continue;
    }
    if (decision?.action === 'deny' && isGatewayError(decision.error)) {
      return withSource(decision.error, guard.name);
    }
    options.onFailure?.({ guard: guard.name, reason: 'invalid_decision' });
    return new GatewayError('guard_failed', { source: guard.name, detail: 'invalid_decision' });
  }
  return undefined;
}

class GuardTimeout extends Error {}

/**
 * A guard that timed out may still admit later, holding what it reserved (tokens, a concurrency
 * slot, budget). The request was denied, so settle that late admission as denied.
 */
function settleLateAdmission(guard: RequestGuard, ctx: RequestContext, pending: Promise<Decision>): void {
  pending.then(
    (late) => {
      if (late?.action === 'allow') {
        void Promise.resolve(
          guard.settle?.(ctx, { outcome: 'denied', usage: undefined, upstreamCalled: false }),
        ).catch(() => undefined);
      }
    },
    () => undefined,
  );
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> =>
  typeof (value as Promise<T> | undefined)?.then === 'function';

function withSource(error: GatewayError, guard: string): GatewayError {
  if (error.source !== undefined) return error;
  return new GatewayError(error.code, {
    source: guard,
    ...(error.param !== undefined && { param: error.param }),
    ...(error.retryAfterSeconds !== undefined && { retryAfterSeconds: error.retryAfterSeconds }),
    ...(error.detail !== undefined && { detail: error.detail }),
  });
}
