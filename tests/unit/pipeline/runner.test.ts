import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { ALLOW } from '../../../src/core/types.js';
import type { Decision, GatewayRequest } from '../../../src/core/types.js';
import { newContext } from '../../../src/pipeline/context.js';
import type { RequestGuard } from '../../../src/pipeline/guard.js';
import { runRequestGuards } from '../../../src/pipeline/runner.js';
import { gatewayRequest } from '../../helpers/fixtures.js';
import type { GuardFailure } from '../../../src/pipeline/runner.js';

const request = (): GatewayRequest => gatewayRequest();

const guard = (name: string, check: RequestGuard['check'], timeoutMs?: number): RequestGuard => ({
  name,
  check,
  ...(timeoutMs !== undefined && { timeoutMs }),
});

describe('runRequestGuards (fail closed)', () => {
  it('runs guards in order and allows when all allow', async () => {
    const order: string[] = [];
    const guards = ['a', 'b', 'c'].map((name) =>
      guard(name, () => {
        order.push(name);
        return ALLOW;
      }),
    );
    expect(await runRequestGuards(guards, newContext(request()), { defaultTimeoutMs: 50 })).toBeUndefined();
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('stops at the first denial and stamps the guard name as source', async () => {
    let ranAfter = false;
    const deny: Decision = { action: 'deny', error: new GatewayError('invalid_api_key') };
    const result = await runRequestGuards(
      [guard('auth', () => deny), guard('later', () => ((ranAfter = true), ALLOW))],
      newContext(request()),
      { defaultTimeoutMs: 50 },
    );
    expect(result?.code).toBe('invalid_api_key');
    expect(result?.source).toBe('auth');
    expect(ranAfter).toBe(false);
  });

  it.each([
    [
      'throws',
      () =>
        guard('boom', () => {
          throw new Error('secret-ish internal message');
        }),
    ],
    ['rejects', () => guard('reject', () => Promise.reject(new Error('x')))],
    ['times out', () => guard('slow', () => new Promise<Decision>(() => undefined), 20)],
    ['returns garbage', () => guard('garbage', () => ({ action: 'maybe' }) as unknown as Decision)],
    ['returns undefined', () => guard('nothing', () => undefined as unknown as Decision)],
  ])('denies with guard_failed when a guard %s', async (_label, make) => {
    const failures: GuardFailure[] = [];
    const result = await runRequestGuards([make()], newContext(request()), {
      defaultTimeoutMs: 50,
      onFailure: (failure) => failures.push(failure),
    });
    expect(result?.code).toBe('guard_failed');
    expect(result?.message).not.toContain('secret-ish');
    expect(failures).toHaveLength(1);
  });

  it('passes a GatewayError thrown by a guard through as a denial', async () => {
    const result = await runRequestGuards(
      [
        guard('v', () => {
          throw new GatewayError('invalid_request', { param: 'messages' });
        }),
      ],
      newContext(request()),
      { defaultTimeoutMs: 50 },
    );
    expect(result?.code).toBe('invalid_request');
    expect(result?.param).toBe('messages');
  });
});

describe('runRequestGuards: late admissions after a timeout', () => {
  it('settles a guard that admits after it timed out, as denied', async () => {
    const settled: string[] = [];
    let admit: (decision: Decision) => void = () => undefined;
    const slow: RequestGuard = {
      name: 'slow-limiter',
      timeoutMs: 10,
      check: () => new Promise<Decision>((resolve) => (admit = resolve)),
      settle: (_ctx, info) => {
        settled.push(info.outcome);
      },
    };
    const result = await runRequestGuards([slow], newContext(request()), { defaultTimeoutMs: 10 });
    expect(result?.code).toBe('guard_failed');
    admit(ALLOW);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settled).toEqual(['denied']);
  });
});
