import type { AuditEvent } from '../../src/core/audit-event.js';
import type { GatewayKeyRecord } from '../../src/stores/ports.js';

export const keyRecord = (overrides: Partial<GatewayKeyRecord> = {}): GatewayKeyRecord => ({
  id: 'k000000000001',
  appId: 'app-a',
  hash: 'a'.repeat(64),
  label: null,
  models: null,
  createdAt: Date.UTC(2026, 0, 1),
  expiresAt: null,
  revokedAt: null,
  ...overrides,
});

/** An event with every nullable field set, so a round trip proves every column. */
export const fullEvent = (overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  v: 1,
  requestId: 'req_full000000000000000001',
  ts: '2026-01-01T00:00:00.000Z',
  environment: 'production',
  operation: 'anthropic.messages',
  route: '/v1/messages',
  app: 'app-a',
  keyId: 'k000000000001',
  user: 'u_0123456789abcdef0123456789abcdef',
  model: 'claude-sonnet-4-5',
  apiVersion: '2023-06-01',
  stream: true,
  inputTokens: 1200,
  outputTokens: 345,
  cachedInputTokens: 64,
  latencyMs: 812.5,
  upstreamMs: 790.25,
  providerKeyId: 'anthropic-primary',
  decision: 'allowed',
  status: 200,
  errorCode: null,
  triggers: ['max_tokens.clamped', 'injection.flagged'],
  ...overrides,
});

/** A minimal denied event (nulls everywhere allowed). */
export const deniedEvent = (n: number, ts: string): AuditEvent => ({
  v: 1,
  requestId: `req_${String(n).padStart(24, '0')}`,
  ts,
  environment: 'development',
  operation: 'unknown',
  route: '/v1/chat/completions',
  app: null,
  keyId: null,
  user: null,
  model: null,
  apiVersion: null,
  stream: false,
  inputTokens: null,
  outputTokens: null,
  cachedInputTokens: null,
  latencyMs: 1,
  upstreamMs: null,
  providerKeyId: null,
  decision: 'denied',
  status: 401,
  errorCode: 'invalid_api_key',
  triggers: [],
});
