import type { GatewayError } from '../core/errors.js';
import type { WireFormat } from '../core/types.js';

export interface RenderedError {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Response headers carrying the request id the official SDKs read (`_request_id`, `requestID`). */
export const requestIdHeaders = (requestId: string): Record<string, string> => ({
  'x-request-id': requestId,
  'request-id': requestId,
});

/**
 * Renders a catalog error in the caller's wire format. Only catalog fields reach the body: the
 * public message, the type and the code, plus a field path for `param`. `x-should-retry` tells the
 * SDKs whether retrying can help, overriding their status-based default.
 */
export function renderError(wire: WireFormat, error: GatewayError, requestId: string): RenderedError {
  const { spec } = error;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-should-retry': spec.retryable ? 'true' : 'false',
    ...requestIdHeaders(requestId),
  };
  if (spec.retryable && (spec.status === 429 || spec.status === 503)) {
    const seconds = Math.max(1, Math.ceil(error.retryAfterSeconds ?? 1));
    headers['retry-after'] = String(seconds);
    headers['retry-after-ms'] = String(seconds * 1000);
  }
  return { status: spec.status, headers, body: errorBody(wire, error, requestId) };
}

/** The JSON error body alone (also used for in-stream error events). */
export function errorBody(wire: WireFormat, error: GatewayError, requestId: string): string {
  const { spec } = error;
  if (wire === 'openai') {
    return JSON.stringify({
      error: { message: spec.message, type: spec.openaiType, param: error.param ?? null, code: error.code },
    });
  }
  return JSON.stringify({
    type: 'error',
    error: { type: spec.anthropicType, message: withParam(spec.message, error.param) },
    request_id: requestId,
  });
}

// Anthropic errors have no `param` field; name the offending field in the message instead.
const withParam = (message: string, param: string | undefined): string =>
  param === undefined ? message : `${message} (${param})`;
