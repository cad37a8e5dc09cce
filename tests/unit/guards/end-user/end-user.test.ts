import { describe, expect, it } from 'vitest';
import { createPseudonymizer } from '../../../../src/audit/pseudonymize.js';
import type { GatewayRequest, JsonObject, Operation } from '../../../../src/core/types.js';
import { createEndUserGuard } from '../../../../src/guards/end-user/index.js';
import { newContext } from '../../../../src/pipeline/context.js';
import { gatewayRequest } from '../../../helpers/fixtures.js';

const pseudonymize = createPseudonymizer('a-test-key-of-enough-length');
const guard = createEndUserGuard({ pseudonymize });

const contextFor = (operation: Operation, body: JsonObject) => {
  const request: GatewayRequest = gatewayRequest({ operation, body, model: 'm' });
  const ctx = newContext(request);
  ctx.principal = { keyId: 'k', appId: 'a', models: null, endUserId: undefined };
  return ctx;
};

describe('end-user guard', () => {
  it('pseudonymizes OpenAI safety_identifier and user before forwarding, without mutating the client body', async () => {
    const original = {
      model: 'gpt-4o-mini',
      messages: [],
      safety_identifier: 'alice@example.com',
      user: 'alice',
    };
    const ctx = contextFor('openai.chat', original);
    expect(await guard.check(ctx)).toEqual({ action: 'allow' });
    expect(ctx.principal?.endUserId).toBe('alice@example.com');
    expect(ctx.request.body.safety_identifier).toBe(pseudonymize('alice@example.com'));
    expect(ctx.request.body.user).toBe(pseudonymize('alice'));
    expect(JSON.stringify(ctx.request.body)).not.toContain('alice');
    expect(original.safety_identifier).toBe('alice@example.com');
  });

  it('pseudonymizes Anthropic metadata.user_id', async () => {
    const ctx = contextFor('anthropic.messages', {
      model: 'c',
      metadata: { user_id: 'bob-42' },
      messages: [],
    });
    await guard.check(ctx);
    expect(ctx.principal?.endUserId).toBe('bob-42');
    expect(ctx.request.body.metadata).toEqual({ user_id: pseudonymize('bob-42') });
  });

  it('leaves requests without an end-user id untouched', async () => {
    const body = { model: 'gpt-4o-mini', messages: [] };
    const ctx = contextFor('openai.chat', body);
    await guard.check(ctx);
    expect(ctx.request.body).toBe(body);
    expect(ctx.principal?.endUserId).toBeUndefined();
  });
});
