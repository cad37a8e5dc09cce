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
  readonly rateLimits: RateLimitPolicy;
  /** Monthly budget; undefined = no app budget (the global cap, if any, still applies). */
  readonly budget: BudgetPolicy | undefined;
  readonly endUser: EndUserPolicy;
  readonly injection: InjectionPolicy;
  readonly moderation: ModerationPolicy;
  readonly filters: FilterPolicy;
  /** A server-side system prompt; undefined = clients send their own (no prompt protection). */
  readonly systemPrompt?: SystemPromptPolicy | undefined;
  readonly output: OutputPolicy;
}

/** What output guards do to model output before it reaches the client. */
export interface OutputPolicy {
  readonly html: {
    readonly mode: 'sanitize' | 'markdown' | 'off';
    readonly allowedTags: readonly string[];
    readonly allowedAttributes: Readonly<Record<string, readonly string[]>>;
    readonly allowedSchemes: readonly string[];
    readonly maxHoldChars: number;
  };
  readonly links: { readonly mode: 'all' | 'images' | 'off'; readonly allowedDomains: readonly string[] };
  readonly dlp: {
    readonly secrets: 'redact' | 'block' | 'off';
    readonly pii: 'redact' | 'block' | 'off';
    readonly piiTypes: readonly ('email' | 'phone' | 'credit_card' | 'ssn' | 'iban')[];
    readonly holdChars: number;
  };
  /** Module whose default export checks output in code (path as configured). */
  readonly policyModule: string | undefined;
  readonly policyTimeoutMs: number;
}

export interface SystemPromptPolicy {
  /** The prompt as configured (a file is read at load). */
  readonly text: string;
  /** Client system/developer messages: refuse the request or drop them. */
  readonly clientMessages: 'refuse' | 'strip';
  readonly leak: {
    readonly action: 'block' | 'redact';
    /** Consecutive words shared with the prompt that count as a leak. */
    readonly minOverlapWords: number;
  };
}

/** Moderation through OpenAI's moderation endpoint (config `apps.<id>.moderation`). */
export interface ModerationPolicy {
  readonly input: boolean;
  readonly output: boolean;
  readonly model: string;
  readonly timeoutMs: number;
  /** `block`: a timeout or failure refuses (fail closed); `allow`: the text passes and a trigger records it. */
  readonly onError: 'block' | 'allow';
  /** Category (provider spelling, e.g. `self-harm/intent`) -> score from which it counts as flagged. */
  readonly thresholds: Readonly<Partial<Record<string, number>>>;
  readonly outputWindowChars: number;
}

export interface FilterRegexRule {
  readonly id: string;
  readonly pattern: string;
  readonly flags: string;
}

/** An app's local content filters (config `apps.<id>.filters` with its profiles resolved). */
export interface FilterPolicy {
  readonly keywords: readonly string[];
  readonly regexes: readonly FilterRegexRule[];
  /**
   * Profiles by name with the operator's own additions from `contentProfiles` (empty lists when
   * none); the built-in lists of `children` and `workplace` are added when the filters are compiled.
   */
  readonly profiles: ReadonlyArray<{
    readonly name: string;
    readonly keywords: readonly string[];
    readonly regexes: readonly FilterRegexRule[];
  }>;
  readonly applyTo: 'input' | 'output' | 'both';
}

export interface InjectionPolicy {
  /** `block` refuses, `flag` records a trigger in the audit event only, `off` skips the detector. */
  readonly action: 'block' | 'flag' | 'off';
  readonly threshold: number;
}

export interface WindowLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

/** Requests and/or tokens (counted input + enforced output cap) per window, for one scope. */
export interface ScopeLimit {
  readonly requests?: WindowLimit | undefined;
  readonly tokens?: WindowLimit | undefined;
}

export interface RateLimitPolicy {
  readonly perUser?: ScopeLimit | undefined;
  readonly perIp?: ScopeLimit | undefined;
  readonly perKey?: ScopeLimit | undefined;
  readonly global?: ScopeLimit | undefined;
  readonly perModel?: Readonly<Record<string, ScopeLimit>> | undefined;
  readonly maxConcurrentPerKey?: number | undefined;
}

export interface BudgetPolicy {
  readonly expectedMonthlyUsd: number;
  /** Hard cap as a percentage of expected (default 150). */
  readonly hardCapPercent: number;
  readonly alertPercents: readonly number[];
  readonly perKeyMonthlyUsd?: number | undefined;
  readonly perUserMonthlyUsd?: number | undefined;
}

export interface EndUserPolicy {
  /** Trust the x-bastion-end-user header sent with this app's gateway keys. */
  readonly trustHeader: boolean;
  /** Refuse requests without a verified end-user id. */
  readonly required: boolean;
}
