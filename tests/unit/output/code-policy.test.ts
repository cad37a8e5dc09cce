import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { newContext } from '../../../src/pipeline/context.js';
import { createCodePolicyGuard, type OutputPolicyHook } from '../../../src/guards/code-policy/index.js';
import { appPolicy, gatewayRequest } from '../../helpers/fixtures.js';

const channel = { id: 'c0', kind: 'text', field: 'content' } as const;

const run = async (hook: OutputPolicyHook, pieces: readonly string[]) => {
  const ctx = newContext(gatewayRequest());
  ctx.app = appPolicy({ id: 'a' });
  const filter = createCodePolicyGuard(new Map([['a', hook]])).open(ctx, channel);
  if (!filter) throw new Error('guard did not apply');
  let out = '';
  for (const step of [...pieces.map((piece) => () => filter.push(piece)), () => filter.end()]) {
    const result = await step();
    if ('block' in result) return { out, blocked: result.block, triggers: ctx.triggers };
    out += result.release;
  }
  return { out, blocked: undefined, triggers: ctx.triggers };
};

describe('code-policy output guard', () => {
  it('passes whole lines to the hook, then the rest with final: true', async () => {
    const seen: Array<[string, boolean]> = [];
    const { out } = await run(
      (segment) => {
        seen.push([segment.text, segment.final]);
        return { action: 'allow' };
      },
      ['one\ntw', 'o\nthr', 'ee'],
    );
    expect(out).toBe('one\ntwo\nthree');
    expect(seen).toEqual([
      ['one\n', false],
      ['two\n', false],
      ['three', true],
    ]);
  });

  it.each([
    ['a string', 'yes'],
    ['nothing', undefined],
    ['replace without text', { action: 'replace' }],
    ['an unknown action', { action: 'maybe' }],
  ])('blocks when the hook returns %s (fail closed)', async (_name, verdict) => {
    const { blocked, triggers } = await run(() => verdict as never, ['x\n']);
    expect(blocked).toBeInstanceOf(GatewayError);
    expect(triggers).toEqual(['code_policy.invalid_verdict']);
  });

  it('names the rule of a block, and refuses rule ids that could smuggle text into the audit', async () => {
    expect((await run(() => ({ action: 'block', rule: 'no-refunds' }), ['x\n'])).triggers).toEqual([
      'code_policy.no-refunds',
    ]);
    expect((await run(() => ({ action: 'block', rule: 'card 4111 1111' }), ['x\n'])).triggers).toEqual([
      'code_policy.invalid_verdict',
    ]);
  });
});
