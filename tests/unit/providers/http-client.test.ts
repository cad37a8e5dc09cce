import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GatewayError } from '../../../src/core/errors.js';
import { createUpstreamClient, type UpstreamClient } from '../../../src/providers/shared/http-client.js';
import { readBodyText } from '../../../src/providers/shared/body.js';
import { startServer, type TestServer } from './test-server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const server = async (...args: Parameters<typeof startServer>): Promise<TestServer> => {
  const s = await startServer(...args);
  cleanups.push(() => s.close());
  return s;
};

const client = (allowedOrigins: string[], timeouts: Partial<Record<string, number>> = {}): UpstreamClient => {
  const c = createUpstreamClient({
    allowedOrigins,
    connectTimeoutMs: timeouts.connect ?? 2000,
    headersTimeoutMs: timeouts.headers ?? 2000,
    bodyTimeoutMs: timeouts.body ?? 2000,
  });
  cleanups.push(() => c.close());
  return c;
};

const rejection = async (promise: Promise<unknown>): Promise<GatewayError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected a rejection');
};

describe('createUpstreamClient', () => {
  it('reaches an allowed origin and returns status, headers and body', async () => {
    const upstream = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello');
    });
    const response = await client([upstream.origin]).request({
      origin: upstream.origin,
      path: '/x',
      method: 'GET',
      headers: {},
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain');
    expect(await readBodyText(response.body, 1024)).toBe('hello');
  });

  it('refuses an origin outside the allowlist before connecting', async () => {
    const allowed = await server((_req, res) => res.end());
    const other = await server((_req, res) => res.end());
    const c = client([allowed.origin]);
    const error = await rejection(c.request({ origin: other.origin, path: '/', method: 'GET', headers: {} }));
    expect(error.code).toBe('egress_denied');
    const scheme = await rejection(
      c.request({ origin: 'file:///etc/passwd', path: '/', method: 'GET', headers: {} }),
    );
    expect(scheme.code).toBe('egress_denied');
    const path = await rejection(
      c.request({ origin: allowed.origin, path: '//evil.example/', method: 'GET', headers: {} }),
    );
    expect(path.code).toBe('egress_denied');
    expect(other.connections()).toBe(0);
    expect(allowed.connections()).toBe(0);
  });

  it('does not follow redirects', async () => {
    const target = await server((_req, res) => res.end('secret'));
    const redirector = await server((_req, res) => {
      res.writeHead(302, { location: `${target.origin}/steal` });
      res.end();
    });
    const response = await client([redirector.origin, target.origin]).request({
      origin: redirector.origin,
      path: '/',
      method: 'GET',
      headers: {},
    });
    expect(response.statusCode).toBe(302);
    await response.body.resume();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(target.connections()).toBe(0);
  });

  it('maps a refused connection to upstream_unreachable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await rejection(
      client([origin]).request({ origin, path: '/', method: 'GET', headers: {} }),
    );
    expect(error.code).toBe('upstream_unreachable');
  });

  it('maps a headers timeout to upstream_timeout', async () => {
    const slow = await server(() => undefined);
    const error = await rejection(
      client([slow.origin], { headers: 150 }).request({
        origin: slow.origin,
        path: '/',
        method: 'GET',
        headers: {},
      }),
    );
    expect(error.code).toBe('upstream_timeout');
  });

  it('passes a GatewayError abort reason through and maps a deadline to upstream_timeout', async () => {
    const slow = await server(() => undefined);
    const c = client([slow.origin]);
    const controller = new AbortController();
    const pending = c.request({
      origin: slow.origin,
      path: '/',
      method: 'GET',
      headers: {},
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new GatewayError('guard_failed')), 50);
    expect((await rejection(pending)).code).toBe('guard_failed');
    const deadline = c.request({
      origin: slow.origin,
      path: '/',
      method: 'GET',
      headers: {},
      signal: AbortSignal.timeout(50),
    });
    expect((await rejection(deadline)).code).toBe('upstream_timeout');
  });

  it('close is idempotent', async () => {
    const c = client(['http://127.0.0.1:1']);
    await Promise.all([c.close(), c.close()]);
  });
});
