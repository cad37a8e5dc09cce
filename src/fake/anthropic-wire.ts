import type { OutgoingHttpHeaders } from 'node:http';
import { FAKE_COOKIE, FAKE_ORG, pause, sendJson, type Exchange, type FakeState } from './exchange.js';
import { anthropicErrorBody, anthropicStatusFields } from './errors.js';

const VERSIONS = new Set(['2023-06-01', '2026-10-21']);

/** Headers Anthropic puts on every response; a gateway should strip them (they identify the account). */
export function anthropicHeaders(ex: Exchange): OutgoingHttpHeaders {
  return {
    'request-id': ex.requestId,
    'anthropic-organization-id': FAKE_ORG,
    'anthropic-ratelimit-requests-limit': '4000',
    'anthropic-ratelimit-requests-remaining': '3999',
    'anthropic-ratelimit-requests-reset': new Date(Date.now() + 1000).toISOString(),
    'set-cookie': FAKE_COOKIE,
    via: '1.1 google',
  };
}

export function sendAnthropicError(
  ex: Exchange,
  status: number,
  type: string,
  message: string,
  retryAfter?: number,
): void {
  const headers = anthropicHeaders(ex);
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  sendJson(ex, status, headers, anthropicErrorBody(type, message, ex.requestId));
}

/** A scripted `status` scenario, after the configured latency. 429 always carries retry-after. */
export async function sendAnthropicStatus(
  ex: Exchange,
  state: FakeState,
  status: number,
  retryAfter: number | undefined,
): Promise<void> {
  await pause(state.latencyMs, ex);
  const { type, message } = anthropicStatusFields(status);
  sendAnthropicError(ex, status, type, message, retryAfter ?? (status === 429 ? 1 : undefined));
}

export const anthropicBadRequest = (ex: Exchange, message: string): void =>
  sendAnthropicError(ex, 400, 'invalid_request_error', message);

/**
 * Checks the key (`x-api-key` wins over `Authorization: Bearer` when both are sent) and the
 * required `anthropic-version`. Answers the error and returns undefined on failure; else the version.
 */
export function checkAnthropicHeaders(ex: Exchange, state: FakeState): string | undefined {
  const { headers } = ex.req;
  const apiKey = typeof headers['x-api-key'] === 'string' ? headers['x-api-key'].trim() : '';
  const bearer = headers.authorization?.startsWith('Bearer ') ? headers.authorization.slice(7).trim() : '';
  const key = apiKey !== '' ? apiKey : bearer;
  if (key === '') {
    sendAnthropicError(ex, 401, 'authentication_error', 'x-api-key header is required');
    return undefined;
  }
  if (!state.acceptsKey(key)) {
    sendAnthropicError(ex, 401, 'authentication_error', 'invalid x-api-key');
    return undefined;
  }
  const version = headers['anthropic-version'];
  if (typeof version !== 'string' || version === '') {
    anthropicBadRequest(ex, 'anthropic-version: header is required');
    return undefined;
  }
  if (!VERSIONS.has(version)) {
    anthropicBadRequest(ex, `anthropic-version: invalid version: ${version.slice(0, 40)}`);
    return undefined;
  }
  return version;
}

export const ANTHROPIC_STREAM_ERROR_EVENT = `event: error\ndata: ${JSON.stringify({
  type: 'error',
  error: { type: 'overloaded_error', message: 'Overloaded' },
})}\n\n`;

const ANTHROPIC_MODELS: readonly [id: string, name: string, created: string][] = [
  ['claude-opus-5', 'Claude Opus 5', '2026-06-01T00:00:00Z'],
  ['claude-sonnet-5', 'Claude Sonnet 5', '2026-06-01T00:00:00Z'],
  ['claude-haiku-4-5', 'Claude Haiku 4.5', '2025-10-15T00:00:00Z'],
];

/** `GET /v1/models` in Anthropic's shape (chosen when the request carries `anthropic-version`). */
export function handleAnthropicModels(ex: Exchange, state: FakeState): void {
  if (checkAnthropicHeaders(ex, state) === undefined) return;
  const data = ANTHROPIC_MODELS.map(([id, displayName, createdAt]) => ({
    type: 'model',
    id,
    display_name: displayName,
    created_at: createdAt,
  }));
  sendJson(ex, 200, anthropicHeaders(ex), {
    data,
    has_more: false,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
  });
}
