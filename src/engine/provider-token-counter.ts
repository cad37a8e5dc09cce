import type { GatewayRequest, JsonObject } from '../core/types.js';
import type { ProviderAdapter } from '../providers/types.js';
import type { CredentialPool } from './types.js';

/** Fields of a messages request that Anthropic's count_tokens endpoint accepts. */
const COUNTED_FIELDS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking'] as const;

/**
 * Counts a Claude request's input tokens with the provider's count_tokens endpoint (for apps
 * configured with `tokenCounting: count_tokens`). The input-validation guard falls back to its
 * conservative local estimate if this throws, so a failure here never lets a request through uncounted.
 */
export function createProviderTokenCounter(
  adapter: ProviderAdapter,
  pool: CredentialPool,
): (request: GatewayRequest) => Promise<number> {
  return async (request) => {
    const credential = pool.pick();
    if (credential === undefined) throw new Error('no provider key available for count_tokens');
    const body: JsonObject = {};
    for (const field of COUNTED_FIELDS)
      if (request.body[field] !== undefined) body[field] = request.body[field];
    const result = await adapter.send({
      requestId: request.id,
      operation: 'anthropic.count_tokens',
      body,
      stream: false,
      anthropicVersion: request.anthropicVersion,
      anthropicBeta: request.anthropicBeta,
      credential,
      signal: request.signal,
    });
    const counted = result.kind === 'json' ? result.body.input_tokens : undefined;
    if (typeof counted !== 'number' || !Number.isInteger(counted) || counted < 0) {
      throw new Error('count_tokens returned no token count');
    }
    return counted;
  };
}
