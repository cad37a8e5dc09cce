/**
 * Maps an upstream HTTP status to a catalog error. The upstream body is never part of the error:
 * OpenAI's 401 body echoes part of the key and 429 bodies name the organisation. `detail` carries
 * only the status code and, when well-formed, the provider's request id (for support tickets).
 */
import { GatewayError, type ErrorCode } from '../../core/errors.js';
import type { UpstreamHeaders } from './http-client.js';

const RETRY_AFTER_MIN_SECONDS = 1;
/** The OpenAI SDK ignores delays above 60 s, so never ask for more. */
const RETRY_AFTER_MAX_SECONDS = 60;
const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

const firstHeader = (headers: UpstreamHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const bound = (seconds: number): number =>
  Math.min(RETRY_AFTER_MAX_SECONDS, Math.max(RETRY_AFTER_MIN_SECONDS, Math.ceil(seconds)));

/**
 * Reads `retry-after-ms` (preferred, as the SDKs do) or `retry-after` (seconds or an HTTP date)
 * into whole seconds within 1..60. Returns undefined when absent or unparseable.
 */
export const parseRetryAfterSeconds = (
  headers: UpstreamHeaders,
  nowMs: number = Date.now(),
): number | undefined => {
  const ms = firstHeader(headers, 'retry-after-ms')?.trim();
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) {
    const value = Number(ms);
    if (Number.isFinite(value)) return bound(value / 1000);
  }
  const raw = firstHeader(headers, 'retry-after')?.trim();
  if (raw === undefined || raw.length === 0) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) {
    const value = Number(raw);
    return Number.isFinite(value) ? bound(value) : undefined;
  }
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : bound((date - nowMs) / 1000);
};

export const codeForStatus = (status: number): ErrorCode => {
  if (status === 401 || status === 403) return 'upstream_credentials_rejected';
  if (status === 429) return 'upstream_rate_limited';
  if (status === 400 || status === 404 || status === 409 || status === 413 || status === 422) {
    return 'upstream_bad_request';
  }
  if (status === 408 || status === 504) return 'upstream_timeout';
  if (status === 503 || status === 529) return 'upstream_overloaded';
  return 'upstream_error';
};

/**
 * Builds the catalog error for a non-success upstream status. `requestIdHeader` is the provider's
 * request-id header (`x-request-id` for OpenAI, `request-id` for Anthropic).
 */
export const upstreamStatusError = (
  status: number,
  headers: UpstreamHeaders,
  requestIdHeader: string,
  source: string,
): GatewayError => {
  const code = codeForStatus(status);
  const requestId = firstHeader(headers, requestIdHeader);
  const detail =
    requestId !== undefined && REQUEST_ID.test(requestId)
      ? `upstream status ${status} request_id ${requestId}`
      : `upstream status ${status}`;
  const retryAfterSeconds =
    code === 'upstream_rate_limited' || code === 'upstream_overloaded'
      ? parseRetryAfterSeconds(headers)
      : undefined;
  return new GatewayError(code, {
    detail,
    source,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
};
