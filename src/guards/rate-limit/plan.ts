/**
 * Which rate limits apply to one request, in the order they are consumed, with their store keys
 * and costs. Pure: no store access, so the admission logic in index.ts stays small and testable.
 *
 * Store keys never contain a raw end-user id or client IP: both go through the keyed pseudonymizer
 * first (the key id and model name are not personal data).
 */
import type { RateLimitPolicy, ScopeLimit, WindowLimit } from '../../core/policy.js';
import type { Operation, Principal } from '../../core/types.js';

/** Scope names as they appear in store keys, trigger ids (`rate_limit.<scope>.<kind>`) and metrics. */
export type RateLimitScope = 'key' | 'user' | 'ip' | 'model' | 'global';
export type RateLimitKind = 'requests' | 'tokens';

/** One bucket to consume for this request. */
export interface PlannedLimit {
  readonly scope: RateLimitScope;
  readonly kind: RateLimitKind;
  readonly key: string;
  readonly cost: number;
  readonly limit: number;
  readonly windowMs: number;
}

export interface PlanInput {
  readonly appId: string;
  readonly policy: RateLimitPolicy;
  readonly principal: Principal;
  readonly operation: Operation;
  readonly model: string;
  readonly clientIp: string;
  /** Counted input + enforced output cap; undefined when input validation did not set them. */
  readonly tokenCost: number | undefined;
  readonly pseudonymize: (id: string) => string;
}

/** Thrown when a token limit applies but the token cost is unknown (the guard fails closed). */
export class MissingTokenCountError extends Error {
  constructor() {
    super('a token rate limit applies but the request has no token count');
    this.name = 'MissingTokenCountError';
  }
}

export const concurrencyKey = (appId: string, keyId: string): string => `${appId}:conc:key:${keyId}`;

/** The scopes in consumption order, with the id each one is keyed by (undefined = does not apply). */
function scopesFor(input: PlanInput): Array<[RateLimitScope, string, ScopeLimit | undefined]> {
  const { policy, principal } = input;
  const scopes: Array<[RateLimitScope, string, ScopeLimit | undefined]> = [
    ['key', principal.keyId, policy.perKey],
  ];
  // Only a verified id may key a limit: an asserted one could be varied per request to dodge it.
  const userId = principal.endUserVerified === true ? principal.endUserId : undefined;
  if (policy.perUser && userId !== undefined && userId !== '') {
    scopes.push(['user', input.pseudonymize(userId), policy.perUser]);
  }
  if (policy.perIp) scopes.push(['ip', input.pseudonymize(input.clientIp), policy.perIp]);
  scopes.push(['model', input.model, policy.perModel?.[input.model]]);
  // `_` rather than an empty id keeps every key in the same five-part shape.
  scopes.push(['global', '_', policy.global]);
  return scopes;
}

const planned = (
  input: PlanInput,
  scope: RateLimitScope,
  id: string,
  kind: RateLimitKind,
  window: WindowLimit,
  cost: number,
): PlannedLimit => ({
  scope,
  kind,
  key: `${input.appId}:rl:${scope}:${id}:${kind}`,
  cost,
  limit: window.limit,
  windowMs: window.windowSeconds * 1000,
});

/** Every bucket this request must fit into, requests before tokens within each scope. */
export function planLimits(input: PlanInput): PlannedLimit[] {
  // count_tokens is not inference: only its request rate is limited.
  const tokensApply = input.operation !== 'anthropic.count_tokens';
  const plan: PlannedLimit[] = [];
  for (const [scope, id, limits] of scopesFor(input)) {
    if (!limits) continue;
    if (limits.requests) plan.push(planned(input, scope, id, 'requests', limits.requests, 1));
    if (limits.tokens && tokensApply) {
      if (input.tokenCost === undefined) throw new MissingTokenCountError();
      plan.push(planned(input, scope, id, 'tokens', limits.tokens, input.tokenCost));
    }
  }
  return plan;
}
