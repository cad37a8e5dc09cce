import type { Environment, Operation } from './types.js';

export type AuditDecision = 'allowed' | 'denied' | 'failed';

/**
 * One audit event per request, allowed, refused or failed. It never holds prompt or completion
 * text, secrets or raw end-user ids: `user` is an HMAC pseudonym, `keyId` is the public key id.
 */
export interface AuditEvent {
  readonly v: 1;
  readonly requestId: string;
  /** ISO-8601 timestamp of arrival. */
  readonly ts: string;
  readonly environment: Environment;
  /** Operation, or the HTTP route for requests refused before one was known. */
  readonly operation: Operation | 'models' | 'unknown';
  readonly route: string;
  readonly app: string | null;
  readonly keyId: string | null;
  readonly user: string | null;
  readonly model: string | null;
  readonly apiVersion: string | null;
  readonly stream: boolean;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly cachedInputTokens: number | null;
  readonly latencyMs: number;
  readonly upstreamMs: number | null;
  readonly providerKeyId: string | null;
  readonly decision: AuditDecision;
  readonly status: number;
  readonly errorCode: string | null;
  /** Rule ids of guards that fired (denied, transformed or flagged), e.g. `max_tokens.clamped`. */
  readonly triggers: readonly string[];
}
