import { defaultOutputPolicy } from '../../../helpers/fixtures.js';
import { createPseudonymizer } from '../../../../src/audit/pseudonymize.js';
import { ManualClock } from '../../../../src/core/clock.js';
import type { AppPolicy, RateLimitPolicy } from '../../../../src/core/policy.js';
import type { GatewayRequest, Operation, Principal, ProviderName } from '../../../../src/core/types.js';
import { createRateLimitGuard } from '../../../../src/guards/rate-limit/index.js';
import type { RateLimitGuardOptions } from '../../../../src/guards/rate-limit/index.js';
import { newContext } from '../../../../src/pipeline/context.js';
import type { RequestContext } from '../../../../src/pipeline/context.js';
import type { ConsumeResult, CounterStore } from '../../../../src/stores/ports.js';
import { MemoryCounterStore } from '../../../../src/stores/memory/index.js';
import { defaultContentPolicies, gatewayRequest } from '../../../helpers/fixtures.js';

export const pseudonymize = createPseudonymizer('rate-limit-test-pseudonym-key');

export const appWith = (rateLimits: RateLimitPolicy): AppPolicy => ({
  id: 'app1',
  models: new Map<string, ProviderName>([
    ['gpt-4o-mini', 'openai'],
    ['claude-sonnet-4-5', 'anthropic'],
  ]),
  maxInputTokens: 10_000,
  maxOutputTokens: 1000,
  outputCapPolicy: 'clamp',
  maxChoices: 1,
  maxMessages: 10,
  maxTools: 3,
  anthropicTokenCounting: 'estimate',
  rateLimits,
  budget: undefined,
  endUser: { trustHeader: false, required: false },
  injection: { action: 'off', threshold: 0.5 },
  ...defaultContentPolicies(),
  output: defaultOutputPolicy(),
});

export interface CtxOptions {
  readonly operation?: Operation;
  readonly model?: string;
  readonly keyId?: string;
  readonly endUserId?: string;
  readonly endUserVerified?: boolean;
  readonly clientIp?: string;
  readonly inputTokens?: number | undefined;
  readonly maxOutputTokens?: number | undefined;
}

/** A context as it looks after auth, input validation and the end-user guard. */
export function ctxFor(app: AppPolicy | undefined, opts: CtxOptions = {}): RequestContext {
  const operation = opts.operation ?? 'openai.chat';
  const request: GatewayRequest = gatewayRequest({
    id: 'req_1',
    operation,
    model: opts.model ?? 'gpt-4o-mini',
    anthropicVersion: operation === 'openai.chat' ? undefined : '2023-06-01',
    clientIp: opts.clientIp ?? '203.0.113.7',
  });
  const ctx = newContext(request);
  ctx.app = app;
  const principal: Principal = {
    keyId: opts.keyId ?? 'key1',
    appId: 'app1',
    models: null,
    endUserId: opts.endUserId,
    endUserVerified: opts.endUserVerified ?? false,
  };
  ctx.principal = app ? principal : undefined;
  ctx.inputTokens = 'inputTokens' in opts ? opts.inputTokens : 100;
  ctx.maxOutputTokens = 'maxOutputTokens' in opts ? opts.maxOutputTokens : 300;
  return ctx;
}

/** The real memory store, recording every key it is asked about (to check what keys look like). */
export class RecordingCounterStore implements CounterStore {
  readonly keys: string[] = [];
  readonly refunds: Array<{ key: string; cost: number }> = [];
  constructor(private readonly inner: CounterStore) {}
  consume(key: string, cost: number, limit: number, windowMs: number): Promise<ConsumeResult> {
    this.keys.push(key);
    return this.inner.consume(key, cost, limit, windowMs);
  }
  refund(key: string, cost: number, limit: number, windowMs: number): Promise<void> {
    this.refunds.push({ key, cost });
    return this.inner.refund(key, cost, limit, windowMs);
  }
  acquire(key: string, limit: number, leaseMs: number) {
    this.keys.push(key);
    return this.inner.acquire(key, limit, leaseMs);
  }
  release(key: string, leaseId: string): Promise<void> {
    return this.inner.release(key, leaseId);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export function setup(extra: Partial<RateLimitGuardOptions> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const store = new RecordingCounterStore(new MemoryCounterStore({ clock }));
  const hits: string[] = [];
  const guard = createRateLimitGuard({
    counters: store,
    pseudonymize,
    onLimitHit: (limit) => hits.push(limit),
    clock,
    ...extra,
  });
  return { clock, store, hits, guard };
}
