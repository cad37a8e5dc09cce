/**
 * Threat: a client that walks away leaves the gateway paying for (and holding) an upstream
 * generation. A disconnect must cancel the upstream request, still write the audit event, and leave
 * Bastion serving.
 */
import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/core/audit-event.js';
import { startTestGateway } from '../helpers/gateway.js';
import type { TestGateway } from '../helpers/gateway.js';
import { startTcpRelay } from '../helpers/tcp-relay.js';
import type { TcpRelay } from '../helpers/tcp-relay.js';
import { clientHeaders, pathFor, post, validBody } from '../helpers/security.js';
import type { Wire } from '../helpers/security.js';

let gw: TestGateway | undefined;
let relay: TcpRelay | undefined;
afterEach(async () => {
  await gw?.close();
  await relay?.close();
  gw = undefined;
  relay = undefined;
});

/** A gateway whose provider traffic goes through a relay that sees the upstream socket close. */
async function start(): Promise<{ gw: TestGateway; relay: TcpRelay }> {
  gw = await startTestGateway({
    // 60 words at 100 ms per event: a stream that would run for seconds if nobody cancelled it.
    fake: { streamChunkDelayMs: 100, replyText: 'word '.repeat(60).trim() },
    upstreamOrigin: async (fakeUrl) => {
      relay = await startTcpRelay(fakeUrl);
      return relay.url;
    },
  });
  return { gw, relay: relay as TcpRelay };
}

/** Opens a request and resolves with it and its response (headers received). */
function open(
  target: TestGateway,
  wire: Wire,
  body: Record<string, unknown>,
): { req: ClientRequest; response: Promise<IncomingMessage> } {
  const { hostname, port } = new URL(target.url);
  const req = httpRequest({
    host: hostname,
    port,
    method: 'POST',
    path: pathFor(wire),
    headers: Object.fromEntries(clientHeaders(wire, target.key)),
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  req.on('error', () => undefined);
  req.end(JSON.stringify(body));
  return { req, response };
}

async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const auditEventOf = (target: TestGateway, requestId: string): Promise<AuditEvent> =>
  waitFor(async () => (await target.auditEvents()).find((event) => event.requestId === requestId), 3_000);

async function stillServes(target: TestGateway, wire: Wire): Promise<void> {
  target.fake.enqueue({ kind: 'reply', text: 'ok' });
  const response = await post(target, wire, { body: JSON.stringify(validBody(wire)) });
  expect(response.status).toBe(200);
}

describe.each(['openai', 'anthropic'] as const)('client abort (%s)', (wire) => {
  it('mid-stream: the upstream request is cancelled and the audit event says client_closed', async () => {
    const { gw, relay } = await start();
    const started = Date.now();
    const { req, response } = open(gw, wire, { ...validBody(wire), stream: true });
    const res = await response;
    expect(res.statusCode).toBe(200);
    const requestId = String(res.headers['x-request-id']);
    // Read the first events, then walk away.
    await new Promise<void>((resolve) => res.once('data', () => resolve()));
    expect(relay.accepted).toBe(1);
    expect(relay.closed).toBe(0);
    req.destroy();

    // The upstream connection closes promptly, long before the 6 s stream would have finished.
    expect(await relay.waitForClosed(1, 2_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);

    const event = await auditEventOf(gw, requestId);
    expect(event.decision).toBe('failed');
    expect(event.errorCode).toBe('client_closed');
    expect(event.stream).toBe(true);

    await stillServes(gw, wire);
  });

  it.each([true, false])(
    'before the first byte (provider stalls, stream: %s): cancelled and audited as client_closed',
    async (stream) => {
      const { gw, relay } = await start();
      gw.fake.enqueue({ kind: 'stall' });
      const { req, response } = open(gw, wire, { ...validBody(wire), stream });
      response.catch(() => undefined);
      await waitFor(() => (gw.fake.received.length === 1 ? true : undefined), 2_000);
      req.destroy();

      expect(await relay.waitForClosed(1, 2_000)).toBe(true);
      const event = await waitFor(
        async () => (await gw.auditEvents()).find((candidate) => candidate.operation !== 'models'),
        3_000,
      );
      expect(event.decision).toBe('failed');
      expect(event.errorCode).toBe('client_closed');

      await stillServes(gw, wire);
    },
  );
});
