import type { ProviderName } from './types.js';

/** What to do when a client asks for more output tokens than the app allows. */
export type OutputCapPolicy = 'clamp' | 'reject';

/** Runtime policy of one app (tenant), derived from config once and frozen. */
export interface AppPolicy {
  readonly id: string;
  /** Allowlisted models and the provider that serves each. */
  readonly models: ReadonlyMap<string, ProviderName>;
  /** Refuse requests whose counted input tokens exceed this. */
  readonly maxInputTokens: number;
  /** Output cap enforced on every request (injected when the client sends none). */
  readonly maxOutputTokens: number;
  readonly outputCapPolicy: OutputCapPolicy;
  /** Upper bound for OpenAI `n`. */
  readonly maxChoices: number;
  readonly maxMessages: number;
  readonly maxTools: number;
  /**
   * How Claude input tokens are counted: `estimate` (conservative local estimate, no network) or
   * `count_tokens` (ask the provider's count_tokens endpoint before the call).
   */
  readonly anthropicTokenCounting: 'estimate' | 'count_tokens';
}
