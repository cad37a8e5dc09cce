/**
 * The one way Bastion talks to a provider over HTTP. A single undici Agent (keep-alive pools per
 * origin) is built at startup; the egress allowlist sits inside its dispatch path, so even code
 * that got hold of the dispatcher could not reach an origin outside the list.
 * Redirects are never followed (undici's request API does not follow them and no redirect
 * interceptor is composed); callers treat a 3xx as an upstream error.
 */
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { GatewayError } from '../../core/errors.js';
import { toGatewayError } from './transport-errors.js';

export interface UpstreamClientOptions {
  /** Origins (scheme://host[:port]) the gateway may call; anything else is refused before connecting. */
  readonly allowedOrigins: readonly string[];
  readonly connectTimeoutMs: number;
  /** Time allowed until the response headers arrive. */
  readonly headersTimeoutMs: number;
  /** Maximum idle time between two body chunks (so a stalled stream is cut). */
  readonly bodyTimeoutMs: number;
  /** Keep-alive connections per origin; unlimited when omitted. */
  readonly connections?: number;
}

export interface UpstreamHttpRequest {
  readonly origin: string;
  /** Absolute path (and query) starting with `/`. */
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

export type UpstreamHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface UpstreamHttpResponse {
  readonly statusCode: number;
  readonly headers: UpstreamHeaders;
  /** The response body; read it fully, or hand it to `discardBody`. */
  readonly body: Readable;
}

export interface UpstreamClient {
  /** Sends one request. Rejects with a GatewayError (egress_denied, upstream_unreachable, upstream_timeout...). */
  request(request: UpstreamHttpRequest): Promise<UpstreamHttpResponse>;
  /** Closes every pooled connection. Idempotent. */
  close(): Promise<void>;
}

/** Normalises an origin or URL to `scheme://host[:port]`; throws on anything that is not http(s). */
export const normalizeOrigin = (value: string): string => {
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError('upstream origin must be http or https');
  }
  return url.origin;
};

/** An undici interceptor that refuses every origin outside the allowlist, before any socket is opened. */
const egressAllowlist =
  (allowed: ReadonlySet<string>): Dispatcher.DispatcherComposeInterceptor =>
  (dispatch) =>
  (opts, handler) => {
    let origin: string | undefined;
    try {
      origin = opts.origin === undefined ? undefined : normalizeOrigin(String(opts.origin));
    } catch {
      origin = undefined;
    }
    if (origin === undefined || !allowed.has(origin)) {
      // The origin itself is configuration, not a secret, but keep the detail minimal anyway.
      throw new GatewayError('egress_denied', {
        detail: 'origin not in provider allowlist',
        source: 'http-client',
      });
    }
    return dispatch(opts, handler);
  };

export const createUpstreamClient = (options: UpstreamClientOptions): UpstreamClient => {
  const allowed = new Set(options.allowedOrigins.map(normalizeOrigin));
  const agent = new Agent({
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    connections: options.connections ?? null,
    pipelining: 1,
  });
  const dispatcher = agent.compose(egressAllowlist(allowed));
  let closing: Promise<void> | undefined;

  return {
    async request(request) {
      if (!request.path.startsWith('/') || request.path.startsWith('//')) {
        throw new GatewayError('egress_denied', { detail: 'invalid upstream path', source: 'http-client' });
      }
      try {
        const response = await dispatcher.request({
          origin: request.origin,
          path: request.path,
          method: request.method,
          headers: request.headers,
          body: request.body ?? null,
          signal: request.signal ?? null,
        });
        return { statusCode: response.statusCode, headers: response.headers, body: response.body };
      } catch (error) {
        throw toGatewayError(error, request.signal, 'request');
      }
    },
    close() {
      closing ??= agent.close();
      return closing;
    },
  };
};
