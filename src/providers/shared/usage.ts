/** Provider usage objects → the provider-neutral Usage (`inputTokens` excludes cache reads and writes). */
import type { Usage } from '../../core/types.js';

const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/**
 * OpenAI chat usage. `prompt_tokens` includes both `cached_tokens` (cache reads) and
 * `cache_write_tokens`, so plain input is what remains after both: each token is priced once, at its
 * own rate. Returns undefined when there is no usage object.
 */
export const openAIUsage = (raw: unknown): Usage | undefined => {
  const usage = record(raw);
  if (usage === undefined) return undefined;
  const details = record(usage.prompt_tokens_details);
  const prompt = count(usage.prompt_tokens);
  const cached = Math.min(prompt, count(details?.cached_tokens));
  const written = Math.min(prompt - cached, count(details?.cache_write_tokens));
  return {
    inputTokens: prompt - cached - written,
    outputTokens: count(usage.completion_tokens),
    cachedInputTokens: cached,
    cacheWriteTokens: written,
  };
};

/** Anthropic usage: `input_tokens` already excludes cache reads and writes. */
export const anthropicUsage = (raw: unknown): Usage | undefined => {
  const usage = record(raw);
  if (usage === undefined) return undefined;
  return {
    inputTokens: count(usage.input_tokens),
    outputTokens: count(usage.output_tokens),
    cachedInputTokens: count(usage.cache_read_input_tokens),
    cacheWriteTokens: count(usage.cache_creation_input_tokens),
  };
};

/**
 * Folds a `message_delta.usage` into the usage known so far. Its counters are cumulative totals
 * (not increments), and each may be absent or null, in which case the earlier value stands.
 */
export const mergeAnthropicUsage = (known: Usage | undefined, rawDelta: unknown): Usage | undefined => {
  const delta = record(rawDelta);
  if (delta === undefined) return known;
  const base = known ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0 };
  const pick = (field: string, fallback: number): number => {
    const value = delta[field];
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : fallback;
  };
  return {
    inputTokens: pick('input_tokens', base.inputTokens),
    outputTokens: pick('output_tokens', base.outputTokens),
    cachedInputTokens: pick('cache_read_input_tokens', base.cachedInputTokens),
    cacheWriteTokens: pick('cache_creation_input_tokens', base.cacheWriteTokens),
  };
};
