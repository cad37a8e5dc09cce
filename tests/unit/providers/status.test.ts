import { describe, expect, it } from 'vitest';
import {
  codeForStatus,
  parseRetryAfterSeconds,
  upstreamStatusError,
} from '../../../src/providers/shared/status.js';

describe('codeForStatus', () => {
  it.each([
    [401, 'upstream_credentials_rejected'],
    [403, 'upstream_credentials_rejected'],
    [429, 'upstream_rate_limited'],
    [400, 'upstream_bad_request'],
    [404, 'upstream_bad_request'],
    [409, 'upstream_bad_request'],
    [413, 'upstream_bad_request'],
    [422, 'upstream_bad_request'],
    [408, 'upstream_timeout'],
    [504, 'upstream_timeout'],
    [503, 'upstream_overloaded'],
    [529, 'upstream_overloaded'],
    [500, 'upstream_error'],
    [502, 'upstream_error'],
    [302, 'upstream_error'],
    [402, 'upstream_error'],
    [418, 'upstream_error'],
  ] as const)('%i -> %s', (status, code) => {
    expect(codeForStatus(status)).toBe(code);
  });
});

describe('parseRetryAfterSeconds', () => {
  it('prefers retry-after-ms, rounds up and bounds to 1..60', () => {
    expect(parseRetryAfterSeconds({ 'retry-after-ms': '1500', 'retry-after': '30' })).toBe(2);
    expect(parseRetryAfterSeconds({ 'retry-after-ms': '10' })).toBe(1);
    expect(parseRetryAfterSeconds({ 'retry-after': '7' })).toBe(7);
    expect(parseRetryAfterSeconds({ 'retry-after': '0' })).toBe(1);
    expect(parseRetryAfterSeconds({ 'retry-after': '3600' })).toBe(60);
  });

  it('reads an HTTP date and ignores garbage', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfterSeconds({ 'retry-after': new Date(now + 12_000).toUTCString() }, now)).toBe(12);
    expect(parseRetryAfterSeconds({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfterSeconds({ 'retry-after-ms': '-5' })).toBeUndefined();
    expect(parseRetryAfterSeconds({})).toBeUndefined();
  });
});

describe('upstreamStatusError', () => {
  it('puts only the status and a well-formed request id in detail', () => {
    const error = upstreamStatusError(
      429,
      { 'x-request-id': 'req_abc123', 'retry-after': '5' },
      'x-request-id',
      'p',
    );
    expect(error.code).toBe('upstream_rate_limited');
    expect(error.retryAfterSeconds).toBe(5);
    expect(error.detail).toBe('upstream status 429 request_id req_abc123');
    const odd = upstreamStatusError(500, { 'x-request-id': 'bad id <script>' }, 'x-request-id', 'p');
    expect(odd.detail).toBe('upstream status 500');
    expect(odd.retryAfterSeconds).toBeUndefined();
  });
});
