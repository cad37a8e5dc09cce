import type { AppPolicy } from '../core/policy.js';
import type { GatewayRequest, Principal, Usage } from '../core/types.js';

/** How a request ended, for guards that settle what they reserved at admission. */
export interface SettleInfo {
  /** `completed`: the response was delivered in full; `failed`: the upstream call or stream failed or the
   *  client left; `denied`: a later guard refused the request (nothing was sent upstream). */
  readonly outcome: 'completed' | 'failed' | 'denied';
  /** Provider-reported usage (partial for a cut stream); undefined when none was reported. */
  readonly usage: Usage | undefined;
  /** Whether a request reached the provider (so it may have been charged). */
  readonly upstreamCalled: boolean;
}
/** The part of a guard the engine needs to settle it (see RequestGuard.settle). */
export interface Settling {
  readonly name: string;
  settle?(ctx: RequestContext, info: SettleInfo): void | Promise<void>;
}

/** Per-request state the guards read and fill in, in pipeline order. */
export interface RequestContext {
  readonly request: GatewayRequest;
  /** Set by the auth guard. */
  principal: Principal | undefined;
  /** Set by the auth guard from the principal's app. */
  app: AppPolicy | undefined;
  /** Counted input tokens, set by input validation. */
  inputTokens: number | undefined;
  /** Enforced output cap actually sent upstream, set by input validation. */
  maxOutputTokens: number | undefined;
  /** Rule ids of guards that fired; copied into the audit event. */
  readonly triggers: string[];
  /** Headers guards add to the response, success or error (e.g. x-ratelimit-*). */
  readonly responseHeaders: Record<string, string>;
  /** Guards whose check allowed, in order; the engine settles them when the request ends. */
  readonly admittedBy: Settling[];
  /**
   * The server-side system prompt sent upstream for this request and its per-request canary, set by
   * the system-prompt guard; output guards scan responses for both.
   */
  systemPrompt: ProtectedPrompt | undefined;
}

export interface ProtectedPrompt {
  /** The app's system prompt as configured (without the canary line). */
  readonly text: string;
  /** A random token embedded in the prompt sent upstream; seeing it in an output means a leak. */
  readonly canary: string;
}

export const newContext = (request: GatewayRequest): RequestContext => ({
  request,
  principal: undefined,
  app: undefined,
  inputTokens: undefined,
  maxOutputTokens: undefined,
  triggers: [],
  responseHeaders: {},
  admittedBy: [],
  systemPrompt: undefined,
});
