/** Steps both adapters share: resolving the configured base URL, checking status, reading JSON. */
import { GatewayError } from '../../core/errors.js';
import type { JsonObject } from '../../core/types.js';
import { discardBody, isEventStreamContentType, isJsonContentType, readBodyText } from './body.js';
import type { UpstreamHttpResponse } from './http-client.js';
import { normalizeOrigin } from './http-client.js';
import { upstreamStatusError } from './status.js';

/** Largest non-streaming response body we accept (a hostile upstream must not exhaust memory). */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export interface Endpoint {
  readonly origin: string;
  /** Path part of the base URL without a trailing slash, e.g. `/v1` or ``. */
  readonly pathPrefix: string;
}

/** Splits a configured base URL into origin and path prefix; refuses credentials, queries and fragments. */
export const parseBaseUrl = (baseUrl: string): Endpoint => {
  const url = new URL(baseUrl);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new TypeError('provider base URL must not contain credentials, a query or a fragment');
  }
  return { origin: normalizeOrigin(url.origin), pathPrefix: url.pathname.replace(/\/+$/, '') };
};

/**
 * Throws the catalog error for any non-2xx status (3xx included: redirects are never followed),
 * after discarding the body unread.
 */
export const ensureSuccess = async (
  response: UpstreamHttpResponse,
  requestIdHeader: string,
  source: string,
): Promise<void> => {
  if (response.statusCode >= 200 && response.statusCode < 300) return;
  await discardBody(response.body);
  throw upstreamStatusError(response.statusCode, response.headers, requestIdHeader, source);
};

/** Refuses a streaming response that is not `text/event-stream`. */
export const ensureEventStream = async (response: UpstreamHttpResponse, source: string): Promise<void> => {
  if (isEventStreamContentType(response.headers['content-type'])) return;
  await discardBody(response.body);
  throw new GatewayError('upstream_error', { detail: 'stream response is not text/event-stream', source });
};

/** Reads a bounded JSON object body; anything else (wrong content type, bad JSON, non-object) is upstream_error. */
export const readJsonObject = async (
  response: UpstreamHttpResponse,
  options: { maxBytes: number; signal: AbortSignal | undefined; source: string },
): Promise<JsonObject> => {
  if (!isJsonContentType(response.headers['content-type'])) {
    await discardBody(response.body);
    throw new GatewayError('upstream_error', { detail: 'response is not JSON', source: options.source });
  }
  const text = await readBodyText(response.body, options.maxBytes, options.signal);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GatewayError('upstream_error', {
      detail: 'response JSON is malformed',
      source: options.source,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GatewayError('upstream_error', {
      detail: 'response JSON is not an object',
      source: options.source,
    });
  }
  return parsed as JsonObject;
};

/** Parses one SSE data payload as a JSON object, or throws stream_interrupted. */
export const parseStreamJson = (data: string, source: string): Record<string, unknown> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new GatewayError('stream_interrupted', { detail: 'malformed JSON in stream', source });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GatewayError('stream_interrupted', { detail: 'stream event is not a JSON object', source });
  }
  return parsed as Record<string, unknown>;
};

/** A short, safe identifier from an upstream error object (e.g. `overloaded_error`), for logs only. */
export const safeErrorType = (value: unknown): string => {
  if (typeof value !== 'object' || value === null) return 'unknown';
  const { type, code } = value as { type?: unknown; code?: unknown };
  for (const candidate of [type, code]) {
    if (typeof candidate === 'string' && /^[a-z0-9_]{1,64}$/.test(candidate)) return candidate;
  }
  return 'unknown';
};
