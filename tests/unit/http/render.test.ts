import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, GatewayError } from '../../../src/core/errors.js';
import type { ErrorCode } from '../../../src/core/errors.js';
import { renderError } from '../../../src/http/render.js';

describe('renderError', () => {
  it('renders the OpenAI envelope with all four keys', () => {
    const rendered = renderError(
      'openai',
      new GatewayError('invalid_request', { param: 'messages[0]' }),
      'req_1',
    );
    expect(rendered.status).toBe(400);
    expect(JSON.parse(rendered.body)).toEqual({
      error: {
        message: ERROR_CATALOG.invalid_request.message,
        type: 'invalid_request_error',
        param: 'messages[0]',
        code: 'invalid_request',
      },
    });
    expect(rendered.headers['x-request-id']).toBe('req_1');
    expect(rendered.headers['x-should-retry']).toBe('false');
  });

  it('renders the Anthropic envelope with request_id', () => {
    const rendered = renderError('anthropic', new GatewayError('upstream_overloaded'), 'req_2');
    expect(rendered.status).toBe(503);
    const body = JSON.parse(rendered.body);
    expect(body).toMatchObject({ type: 'error', error: { type: 'overloaded_error' }, request_id: 'req_2' });
    expect(rendered.headers['request-id']).toBe('req_2');
    expect(rendered.headers['retry-after']).toBe('1');
    expect(rendered.headers['x-should-retry']).toBe('true');
  });

  it('never puts the internal detail in the body', () => {
    const rendered = renderError(
      'openai',
      new GatewayError('upstream_error', { detail: 'upstream said sk-proj-SECRET' }),
      'req_3',
    );
    expect(rendered.body).not.toContain('SECRET');
  });

  it('gives every catalog entry a retry decision consistent with its status', () => {
    for (const code of Object.keys(ERROR_CATALOG) as ErrorCode[]) {
      const rendered = renderError('openai', new GatewayError(code, { retryAfterSeconds: 7 }), 'r');
      expect(rendered.status).toBe(ERROR_CATALOG[code].status);
      if (ERROR_CATALOG[code].retryable && [429, 503].includes(rendered.status)) {
        expect(rendered.headers['retry-after']).toBe('7');
        expect(rendered.headers['retry-after-ms']).toBe('7000');
      }
    }
  });
});
