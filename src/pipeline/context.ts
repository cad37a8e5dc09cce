import type { AppPolicy } from '../core/policy.js';
import type { GatewayRequest, Principal } from '../core/types.js';

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
}

export const newContext = (request: GatewayRequest): RequestContext => ({
  request,
  principal: undefined,
  app: undefined,
  inputTokens: undefined,
  maxOutputTokens: undefined,
  triggers: [],
});
