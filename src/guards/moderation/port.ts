/**
 * What the moderation guards need from a moderation service. The composition root implements it
 * with OpenAI's moderation endpoint (providers/openai/moderation.ts + the OpenAI key ring); guards
 * never import a provider.
 */

/** One input's verdict: the provider's own flags and its scores (0-1), by category. */
export interface ModerationVerdict {
  readonly flagged: boolean;
  readonly categories: Readonly<Record<string, boolean>>;
  readonly scores: Readonly<Record<string, number>>;
}

export interface ModerationPort {
  /**
   * One verdict per input, in order. Rejects when the service fails, answers something malformed
   * or `signal` aborts (the guard's deadline): the guard then applies the app's `onError`.
   */
  moderate(
    inputs: readonly string[],
    options: { readonly model: string; readonly signal: AbortSignal },
  ): Promise<readonly ModerationVerdict[]>;
}

/** Who tripped a filter, for per-user counting: a pseudonymous end user, else the gateway key. */
export type HitSubject = { readonly kind: 'user' | 'key'; readonly id: string };

/** Reported once per request direction that fired (filters or moderation), never with text. */
export interface ContentHit {
  readonly app: string;
  readonly subject: HitSubject;
  readonly direction: 'input' | 'output';
  /** Trigger ids, e.g. `moderation.violence`, `filter.profile.children.keywords`. */
  readonly rules: readonly string[];
}

/** Moderation could not answer (timeout, error, malformed): for the operational log. */
export interface ModerationUnavailable {
  readonly app: string;
  readonly direction: 'input' | 'output';
  /** True when the app's onError let the text through. */
  readonly allowed: boolean;
  /** A catalog error code or `timeout`, never a message. */
  readonly reason: string;
}

export interface ModerationHooks {
  /** Moderation of this deployment; undefined without providers.openai (config then refuses moderation). */
  readonly moderation: ModerationPort | undefined;
  readonly pseudonymize: (endUserId: string) => string;
  readonly onHit?: (hit: ContentHit) => void;
  readonly onUnavailable?: (event: ModerationUnavailable) => void;
}
