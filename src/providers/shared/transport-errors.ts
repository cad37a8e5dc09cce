/**
 * Maps transport failures (undici errors, aborts) to catalog errors. Only a sanitised error code
 * goes into `detail`: undici messages can contain header names and, for TLS, host details.
 */
import { GatewayError, type ErrorCode } from '../../core/errors.js';

/** Where the failure happened: before the response headers, while reading a JSON body, mid-stream. */
export type TransportPhase = 'request' | 'body' | 'stream';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const errorCodeOf = (error: unknown): string => {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code)) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && /^[A-Za-z]{1,64}$/.test(name)) return name;
  }
  return 'unknown';
};

const abortError = (signal: AbortSignal): GatewayError => {
  const reason: unknown = signal.reason;
  if (reason instanceof GatewayError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new GatewayError('upstream_timeout', { detail: 'deadline', source: 'http-client' });
  }
  // The client went away (or the engine cancelled); the error is for the audit trail only.
  return new GatewayError('stream_interrupted', { detail: 'aborted', source: 'http-client' });
};

/** Turns anything thrown by the transport into a GatewayError. GatewayErrors pass through unchanged. */
export const toGatewayError = (
  error: unknown,
  signal: AbortSignal | undefined,
  phase: TransportPhase,
): GatewayError => {
  if (error instanceof GatewayError) return error;
  if (signal?.aborted) return abortError(signal);
  const code = errorCodeOf(error);
  let mapped: ErrorCode;
  if (TIMEOUT_CODES.has(code)) mapped = 'upstream_timeout';
  else if (phase === 'stream') mapped = 'stream_interrupted';
  else if (phase === 'request' && (UNREACHABLE_CODES.has(code) || code.startsWith('ERR_TLS_'))) {
    mapped = 'upstream_unreachable';
  } else mapped = 'upstream_error';
  return new GatewayError(mapped, { detail: `transport ${code}`, source: 'http-client' });
};
