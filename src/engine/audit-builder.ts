import type { AuditDecision, AuditEvent } from '../core/audit-event.js';
import type { GatewayError } from '../core/errors.js';
import type { Environment, Operation, Usage } from '../core/types.js';
import type { RequestContext } from '../pipeline/context.js';

export const OPERATION_ROUTE: Record<Operation, string> = {
  'openai.chat': '/v1/chat/completions',
  'anthropic.messages': '/v1/messages',
  'anthropic.count_tokens': '/v1/messages/count_tokens',
};

export interface Outcome {
  readonly decision: AuditDecision;
  readonly status: number;
  readonly error: GatewayError | undefined;
  /** For failures that are not catalog errors (client went away). */
  readonly errorCode?: string;
  readonly usage: Usage | undefined;
  readonly latencyMs: number;
  readonly upstreamMs: number | undefined;
  readonly providerKeyId: string | undefined;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** Builds the one audit event of a request that reached the engine. Holds no content, no secrets. */
export function auditEventFor(
  ctx: RequestContext,
  environment: Environment,
  pseudonymize: (id: string) => string,
  outcome: Outcome,
): AuditEvent {
  const { request, principal } = ctx;
  const triggers = outcome.error?.source
    ? [...ctx.triggers, `${outcome.error.source}.${outcome.error.code}`]
    : ctx.triggers;
  return {
    v: 1,
    requestId: request.id,
    ts: new Date(request.receivedAt).toISOString(),
    environment,
    operation: request.operation,
    route: request.route ?? OPERATION_ROUTE[request.operation],
    app: principal?.appId ?? null,
    keyId: principal?.keyId ?? null,
    user: principal?.endUserId === undefined ? null : pseudonymize(principal.endUserId),
    // Before validation the model is only the client's claim: record it only once it was checked.
    model: ctx.inputTokens === undefined ? null : request.model,
    apiVersion: request.wire === 'anthropic' ? (request.anthropicVersion ?? '2023-06-01') : null,
    stream: request.stream,
    inputTokens: outcome.usage?.inputTokens ?? ctx.inputTokens ?? null,
    outputTokens: outcome.usage?.outputTokens ?? null,
    cachedInputTokens: outcome.usage?.cachedInputTokens ?? null,
    latencyMs: round(outcome.latencyMs),
    upstreamMs: outcome.upstreamMs === undefined ? null : round(outcome.upstreamMs),
    providerKeyId: outcome.providerKeyId ?? null,
    decision: outcome.decision,
    status: outcome.status,
    errorCode: outcome.error?.code ?? outcome.errorCode ?? null,
    triggers,
  };
}

/** Facts about a request that never reached the guard pipeline (HTTP-layer refusal, GET /v1/models). */
export interface BareRequestFacts {
  readonly requestId: string;
  readonly receivedAt: number;
  readonly operation: AuditEvent['operation'];
  readonly route: string;
  readonly app: string | null;
  readonly keyId: string | null;
  readonly latencyMs: number;
  readonly error: GatewayError | undefined;
  /** Component named in the trigger when the error carries no source. */
  readonly source: string;
}

/** The audit event of a request outside the pipeline: no model, no tokens, no upstream call. */
export function bareAuditEvent(environment: Environment, facts: BareRequestFacts): AuditEvent {
  const { error } = facts;
  return {
    v: 1,
    requestId: facts.requestId,
    ts: new Date(facts.receivedAt).toISOString(),
    environment,
    operation: facts.operation,
    route: facts.route,
    app: facts.app,
    keyId: facts.keyId,
    user: null,
    model: null,
    apiVersion: null,
    stream: false,
    inputTokens: null,
    outputTokens: null,
    cachedInputTokens: null,
    latencyMs: round(facts.latencyMs),
    upstreamMs: null,
    providerKeyId: null,
    decision: error ? 'denied' : 'allowed',
    status: error ? error.spec.status : 200,
    errorCode: error?.code ?? null,
    triggers: error ? [`${error.source ?? facts.source}.${error.code}`] : [],
  };
}
