/**
 * Input tokens the server-side prompt adds to a request, counted with the same rules input
 * validation uses for the client's messages (OpenAI: the model's BPE encoding and message framing;
 * Claude: the conservative estimate), so rate limits and budgets reserve the true size.
 *
 * The app's prompt is counted once per (prompt, encoding) and cached; only the short canary line
 * is counted per request. Counting the two parts apart never under-counts: BPE splits at the line
 * break anyway, the Claude estimate is a sum of per-text maxima, and one token of margin covers a
 * merge across the join.
 */
import type { SystemPromptPolicy } from '../../core/policy.js';
import type { WireFormat } from '../../core/types.js';
import {
  countOpenAIChatInputTokens,
  estimateAnthropicInputTokens,
  openAIEncodingFor,
} from '../../detect/tokens.js';

const JOIN_MARGIN_TOKENS = 1;

/** Tokens of `text` as one system message (OpenAI) or as `system` (Anthropic), framing included. */
const asSystem = (wire: WireFormat, model: string, text: string): number =>
  wire === 'openai'
    ? countOpenAIChatInputTokens({ messages: [{ role: 'system', content: text }] }, model) -
      countOpenAIChatInputTokens({ messages: [] }, model)
    : estimateAnthropicInputTokens({ system: text }) - estimateAnthropicInputTokens({});

/** Text-only tokens (no framing): a system message's count minus an empty one's. */
const textOnly = (wire: WireFormat, model: string, text: string): number =>
  asSystem(wire, model, text) - asSystem(wire, model, '');

const cache = new WeakMap<SystemPromptPolicy, Map<string, number>>();

/** Tokens the prompt (framing + text), cached per app policy and encoding. */
const promptTokens = (policy: SystemPromptPolicy, wire: WireFormat, model: string): number => {
  const key = wire === 'openai' ? `openai:${openAIEncodingFor(model)}` : 'anthropic';
  let perEncoding = cache.get(policy);
  if (perEncoding === undefined) {
    perEncoding = new Map();
    cache.set(policy, perEncoding);
  }
  let tokens = perEncoding.get(key);
  if (tokens === undefined) {
    tokens = asSystem(wire, model, policy.text);
    perEncoding.set(key, tokens);
  }
  return tokens;
};

/**
 * Tokens added by sending `policy.text` with `canaryLine` in front of it, as the system prompt of a
 * request for `model` on `wire`.
 */
export function addedPromptTokens(
  policy: SystemPromptPolicy,
  canaryLine: string,
  wire: WireFormat,
  model: string,
): number {
  return promptTokens(policy, wire, model) + textOnly(wire, model, canaryLine) + JOIN_MARGIN_TOKENS;
}
