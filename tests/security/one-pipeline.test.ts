/**
 * Threat: a route or a stream that bypasses the guard pipeline. Every inference route refuses an
 * unauthenticated request and audits it; unknown paths forward nothing; streams are validated too.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INFERENCE_ROUTES } from '../../src/http/routes.js';
import { startTestGateway } from '../helpers/gateway.js';
import type { TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/raw-http.js';
import { clientHeaders, expectRefused, post, validBody } from '../helpers/security.js';
import type { Wire } from '../helpers/security.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw?.close());
beforeEach(() => gw.fake.reset());

const wireOf = (path: string): Wire =>
  path.startsWith('/v1/messages') || /^\/v1\/apps\/[^/]+\/v1\/messages/.test(path) ? 'anthropic' : 'openai';
/** The path a client calls for a route template (app routes name the test gateway's app). */
const concrete = (path: string): string => path.replace(':app', 'test');

describe('every inference route runs the pipeline', () => {
  it('INFERENCE_ROUTES lists the routes Bastion serves', () => {
    expect(INFERENCE_ROUTES.map((route) => route.path).sort()).toEqual(
      [
        '/v1/chat/completions',
        '/v1/messages',
        '/v1/messages/count_tokens',
        '/v1/apps/:app/chat',
        '/v1/apps/:app/chat/completions',
        '/v1/apps/:app/v1/messages',
        '/v1/apps/:app/v1/messages/count_tokens',
      ].sort(),
    );
  });

  describe.each(INFERENCE_ROUTES.map((route) => [route.path, route.operation] as const))(
    '%s',
    (path, operation) => {
      const wire = wireOf(path);
      // count_tokens takes no max_tokens.
      const { max_tokens: _maxTokens, ...countBody } = validBody(wire);
      const body = JSON.stringify(operation === 'anthropic.count_tokens' ? countBody : validBody(wire));

      it.each([
        ['no credential', [] as Array<[string, string]>],
        ['an unknown gateway key', [['authorization', `Bearer bst_000000000000_${'a'.repeat(43)}`]]],
        ['a malformed key', [['x-api-key', 'not-a-key']]],
      ] as const)('refuses %s with 401 and audits it', async (_label, auth) => {
        for (const stream of [false, true]) {
          gw.fake.reset();
          const response = await rawRequest(gw.url, {
            path: concrete(path),
            headers: [['content-type', 'application/json'], ...auth],
            body: stream ? JSON.stringify({ ...JSON.parse(body), stream: true }) : body,
          });
          const event = await expectRefused(gw, response, wire, 'invalid_api_key');
          expect(event.operation).toBe(operation);
          expect(event.route).toBe(path);
          expect(event.triggers).toContain('auth.invalid_api_key');
        }
      });

      it('serves an authenticated request through the engine (audited as allowed)', async () => {
        const response = await rawRequest(gw.url, {
          path: concrete(path),
          headers: clientHeaders(wire, gw.key),
          body,
        });
        expect(response.status).toBe(200);
        const id = response.header('x-request-id') ?? '';
        const events = (await gw.auditEvents()).filter((event) => event.requestId === id);
        expect(events).toHaveLength(1);
        expect(events[0]?.operation).toBe(operation);
        expect(events[0]?.decision).toBe('allowed');
        expect(events[0]?.keyId).not.toBeNull();
      });
    },
  );
});

describe('unknown paths answer route_not_found and forward nothing', () => {
  it.each([
    ['POST', '/v1/embeddings'],
    ['POST', '/v1/responses'],
    ['POST', '/v1/chat/completions/../x'],
    ['POST', '/v1/chat/completions/%2e%2e/x'],
    ['POST', '/openai/v1/chat/completions'],
    ['POST', '/v1/moderations'],
    ['POST', '/v1//chat/completions'],
    ['POST', '//v1/chat/completions'],
    ['POST', '/V1/CHAT/COMPLETIONS'],
    ['GET', '/v1/files'],
    ['POST', '/v1/messages/batches'],
    ['POST', '/v1/apps/test/embeddings'],
    ['POST', '/v1/apps/test/v1/chat/completions'],
    ['POST', '/v1/apps/test/messages'],
    ['POST', 'http://evil.example/v1/chat/completions'],
  ])('%s %s', async (method, path) => {
    const wire = wireOf(path);
    const response = await rawRequest(gw.url, {
      method,
      path,
      headers: clientHeaders(wire, gw.key),
      ...(method === 'POST' && { body: JSON.stringify(validBody(wire)) }),
    });
    if (path.startsWith('http://')) {
      // An absolute-form target names another host. Refusing it or serving it from the configured
      // provider are both safe; sending anything towards the named host is not.
      if (response.status === 200) {
        expect(gw.fake.received).toHaveLength(1);
        expect(gw.fake.received[0]?.headers.host).toBe(new URL(gw.fake.url).host);
      } else {
        expect([400, 404]).toContain(response.status);
        expect(gw.fake.received).toHaveLength(0);
      }
      return;
    }
    const event = await expectRefused(gw, response, wire, 'route_not_found');
    expect(event.operation).toBe('unknown');
  });

  it('a wrong method on an inference route forwards nothing', async () => {
    const response = await rawRequest(gw.url, {
      method: 'GET',
      path: '/v1/chat/completions',
      headers: clientHeaders('openai', gw.key),
    });
    expect([404, 405]).toContain(response.status);
    expect(gw.fake.received).toHaveLength(0);
  });
});

describe('streaming and non-streaming both go through validation', () => {
  it.each(['openai', 'anthropic'] as const)(
    '%s: a stream request with an unlisted model is refused before any upstream call',
    async (wire) => {
      const model = wire === 'openai' ? 'gpt-3.5-turbo' : 'claude-opus-4-1';
      for (const stream of [true, false]) {
        gw.fake.reset();
        const response = await post(gw, wire, {
          body: JSON.stringify({ ...validBody(wire), model, stream }),
        });
        expect(response.header('content-type')).not.toMatch(/event-stream/);
        const event = await expectRefused(gw, response, wire, 'model_not_allowed', 'model');
        expect(event.stream).toBe(stream);
      }
    },
  );

  it.each(['openai', 'anthropic'] as const)(
    '%s: a stream request with an unsupported field is refused before any upstream call',
    async (wire) => {
      const response = await post(gw, wire, {
        body: JSON.stringify({ ...validBody(wire), stream: true, base_url: 'http://evil.example' }),
      });
      await expectRefused(gw, response, wire, 'unsupported_field', 'base_url');
    },
  );
});

describe('GET /metrics with server.metricsToken', () => {
  it('requires the token, compared as a bearer credential', async () => {
    const gated = await startTestGateway({
      server: { metricsToken: 'env:METRICS_TOKEN' },
      env: { METRICS_TOKEN: 'metrics-token-0123456789' },
    });
    try {
      expect((await fetch(`${gated.url}/metrics`)).status).toBe(401);
      expect(
        (await fetch(`${gated.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0000' } }))
          .status,
      ).toBe(401);
      const ok = await fetch(`${gated.url}/metrics`, {
        headers: { authorization: 'Bearer metrics-token-0123456789' },
      });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('bastion_requests_total');
    } finally {
      await gated.close();
    }
  });
});
