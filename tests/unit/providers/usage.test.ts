import { describe, expect, it } from 'vitest';
import { anthropicUsage, mergeAnthropicUsage, openAIUsage } from '../../../src/providers/shared/usage.js';

describe('openAIUsage', () => {
  it('takes cache reads and cache writes out of prompt_tokens (each token priced once)', () => {
    expect(
      openAIUsage({
        prompt_tokens: 100,
        completion_tokens: 20,
        total_tokens: 120,
        prompt_tokens_details: { cached_tokens: 30, cache_write_tokens: 5 },
      }),
    ).toEqual({ inputTokens: 65, outputTokens: 20, cachedInputTokens: 30, cacheWriteTokens: 5 });
  });

  it('tolerates missing and null sub-fields', () => {
    expect(openAIUsage({ prompt_tokens: 10, completion_tokens: null, prompt_tokens_details: null })).toEqual({
      inputTokens: 10,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
    });
    expect(openAIUsage(null)).toBeUndefined();
    expect(openAIUsage(undefined)).toBeUndefined();
  });
});

describe('anthropicUsage', () => {
  it('maps cache read and creation apart from input_tokens', () => {
    expect(
      anthropicUsage({
        input_tokens: 12,
        output_tokens: 3,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 50,
      }),
    ).toEqual({ inputTokens: 12, outputTokens: 3, cachedInputTokens: 100, cacheWriteTokens: 50 });
    expect(anthropicUsage({ input_tokens: 5, cache_read_input_tokens: null })).toEqual({
      inputTokens: 5,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it('merges cumulative message_delta usage, keeping fields the delta omits', () => {
    const start = anthropicUsage({ input_tokens: 12, output_tokens: 1, cache_read_input_tokens: 4 });
    const afterFirst = mergeAnthropicUsage(start, { output_tokens: 10 });
    const afterSecond = mergeAnthropicUsage(afterFirst, { output_tokens: 15, input_tokens: null });
    expect(afterSecond).toEqual({
      inputTokens: 12,
      outputTokens: 15,
      cachedInputTokens: 4,
      cacheWriteTokens: 0,
    });
  });
});
