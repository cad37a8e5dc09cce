import { GatewayError } from '../core/errors.js';
import { ANTHROPIC_VERSIONS } from '../core/types.js';
import type { AnthropicVersion, WireFormat } from '../core/types.js';

/** Headers that decide who the caller is or how the body is read: they must appear at most once. */
const SINGLE_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'anthropic-version',
  'anthropic-beta',
  'x-bastion-user-token',
  'x-bastion-end-user',
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
]);

/** App routes of the Anthropic wire: `/v1/apps/{app}/v1/messages...`. */
const APP_ANTHROPIC_PATH = /^\/v1\/apps\/[^/?#]{1,128}\/v1\/messages/;

/** The wire format to answer in, from the path alone (also for requests refused before routing). */
export const wireForPath = (url: string): WireFormat =>
  url.startsWith('/v1/messages') || url.startsWith('/anthropic/') || APP_ANTHROPIC_PATH.test(url)
    ? 'anthropic'
    : 'openai';

/**
 * Refuses duplicated security headers and oversized header blocks. Node keeps only the first of
 * some duplicates and joins others, so a duplicate could make Bastion and a later hop disagree on
 * who is calling; we refuse instead of guessing.
 */
export function checkHeaders(
  rawHeaders: readonly string[],
  maxHeaderBytes: number,
): GatewayError | undefined {
  let bytes = 0;
  let seen: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    bytes += name.length + (rawHeaders[i + 1]?.length ?? 0) + 4;
    const lower = name.toLowerCase();
    if (!SINGLE_HEADERS.has(lower)) continue;
    seen ??= new Set();
    if (seen.has(lower)) return new GatewayError('headers_invalid', { param: lower, source: 'http' });
    seen.add(lower);
  }
  if (bytes > maxHeaderBytes) return new GatewayError('headers_too_large', { source: 'http' });
  return undefined;
}

type HeaderValue = string | string[] | undefined;

const single = (value: HeaderValue): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * The gateway credential from `Authorization: Bearer` or `x-api-key`. Both forms are accepted on
 * every route (Anthropic SDK 1.x sends Bearer). If both are present they must agree.
 */
export function extractCredential(headers: Record<string, HeaderValue>): string | undefined {
  const authorization = single(headers.authorization);
  const apiKey = single(headers['x-api-key'])?.trim();
  let bearer: string | undefined;
  if (authorization !== undefined) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!match)
      throw new GatewayError('invalid_api_key', { source: 'http', detail: 'malformed authorization' });
    bearer = match[1];
  }
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) {
    throw new GatewayError('headers_invalid', { param: 'authorization', source: 'http' });
  }
  return bearer ?? (apiKey === '' ? undefined : apiKey);
}

/** A header value Bastion reads as an identity hint: one value, bounded, printable. */
export function singleHeader(
  headers: Record<string, HeaderValue>,
  name: string,
  maxLength: number,
): string | undefined {
  const value = single(headers[name])?.trim();
  if (value === undefined || value === '') return undefined;
  if (value.length > maxLength || !/^[\x21-\x7e]+$/.test(value)) {
    throw new GatewayError('headers_invalid', { param: name, source: 'http' });
  }
  return value;
}

export function parseAnthropicVersion(value: HeaderValue): AnthropicVersion {
  const version = single(value)?.trim();
  if (version === undefined || version === '') return '2023-06-01';
  if ((ANTHROPIC_VERSIONS as readonly string[]).includes(version)) return version as AnthropicVersion;
  throw new GatewayError('unsupported_api_version', { param: 'anthropic-version', source: 'http' });
}

const BETA_PATTERN = /^[a-z0-9-]{1,64}(?:,[ ]?[a-z0-9-]{1,64}){0,15}$/;

/** anthropic-beta is forwarded, so it is validated against a strict shape. */
export function parseAnthropicBeta(value: HeaderValue): string | undefined {
  const beta = single(value)?.trim();
  if (beta === undefined || beta === '') return undefined;
  if (!BETA_PATTERN.test(beta))
    throw new GatewayError('headers_invalid', { param: 'anthropic-beta', source: 'http' });
  return beta;
}
