/**
 * Counts (or conservatively estimates) input tokens for the app's input cap and the budget's
 * reservation. Counting stops as soon as the cap is passed, so a hostile 1 MB prompt costs at
 * most about one cap's worth of tokenizer work (see detect/bpe-count.ts).
 */
import type { AppPolicy } from '../../core/policy.js';
import type { GatewayRequest } from '../../core/types.js';
import { countOpenAIChatInputTokens, estimateAnthropicInputTokens } from '../../detect/tokens.js';

/** Optional hook that asks Anthropic's count_tokens endpoint (injected by the composition root). */
export type CountTokensHook = (req: GatewayRequest) => Promise<number>;

export interface InputTokenCount {
  readonly tokens: number;
  /** Set when the count_tokens hook failed and the conservative estimate was used instead. */
  readonly fellBack: boolean;
}

const isTokenCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

export const countInputTokens = async (
  req: GatewayRequest,
  app: AppPolicy,
  hook: CountTokensHook | undefined,
): Promise<InputTokenCount> => {
  const limit = app.maxInputTokens;
  if (req.operation === 'openai.chat') {
    return { tokens: countOpenAIChatInputTokens(req.body, req.model, limit), fellBack: false };
  }
  // count_tokens requests are always estimated locally: asking the provider to count a count
  // request would double the upstream calls for nothing.
  const useHook = req.operation === 'anthropic.messages' && app.anthropicTokenCounting === 'count_tokens';
  if (useHook && hook) {
    try {
      const tokens = await hook(req);
      if (isTokenCount(tokens)) return { tokens, fellBack: false };
    } catch {
      // Fall through: the local estimate over-counts, so using it keeps the cap and the budget
      // safe while the count_tokens endpoint is unavailable. The trigger records the fallback.
    }
    return { tokens: estimateAnthropicInputTokens(req.body, limit), fellBack: true };
  }
  return { tokens: estimateAnthropicInputTokens(req.body, limit), fellBack: false };
};
