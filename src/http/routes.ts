import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, isGatewayError } from '../core/errors.js';
import { OPERATION_WIRE } from '../core/types.js';
import type { AnthropicVersion, GatewayRequest, JsonObject, Operation } from '../core/types.js';
import type { Gateway } from '../engine/types.js';
import { renderError, requestIdHeaders } from './render.js';
import { createClientIpResolver } from './client-ip.js';
import {
  extractCredential,
  parseAnthropicBeta,
  parseAnthropicVersion,
  singleHeader,
} from './request-meta.js';
import { refuse, sendError } from './respond.js';
import { pumpFirstEvent, writeStream } from './sse-writer.js';

/** Every inference route. A test asserts each one is served by the engine (one pipeline). */
export const INFERENCE_ROUTES: ReadonlyArray<{ path: string; operation: Operation }> = [
  { path: '/v1/chat/completions', operation: 'openai.chat' },
  { path: '/v1/messages', operation: 'anthropic.messages' },
  { path: '/v1/messages/count_tokens', operation: 'anthropic.count_tokens' },
  // App routes: the app's server-side system prompt applies; only keys of that app may call them.
  // OpenAI SDK: baseURL `<gateway>/v1/apps/<app>`; Anthropic SDK: the same baseURL.
  { path: '/v1/apps/:app/chat', operation: 'openai.chat' },
  { path: '/v1/apps/:app/chat/completions', operation: 'openai.chat' },
  { path: '/v1/apps/:app/v1/messages', operation: 'anthropic.messages' },
  { path: '/v1/apps/:app/v1/messages/count_tokens', operation: 'anthropic.count_tokens' },
];

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Limits the http layer enforces itself. */
export interface HttpLimits {
  readonly maxBodyBytes: number;
  readonly maxHeaderBytes: number;
  readonly maxJsonDepth: number;
  /** Total time a request may take, streaming included. */
  readonly requestTimeoutMs: number;
  /** Proxies whose X-Forwarded-For is believed (IPs or CIDRs). */
  readonly trustedProxies: readonly string[];
}

export function registerRoutes(app: FastifyInstance, gateway: Gateway, limits: HttpLimits): void {
  const resolveClientIp = createClientIpResolver(limits.trustedProxies);
  for (const { path, operation } of INFERENCE_ROUTES) {
    app.post(path, (request, reply) =>
      handleInference(gateway, limits, resolveClientIp, operation, request, reply),
    );
  }
  app.get('/v1/models', (request, reply) => handleModels(gateway, request, reply));
  app.get('/healthz', (_request, reply) => reply.headers(JSON_HEADERS).send('{"status":"ok"}'));
  app.get('/metrics', async (request, reply) => {
    let credential: string | undefined;
    try {
      credential = extractCredential(request.headers);
    } catch (error) {
      return refuse(gateway, request, reply, asCatalogError(error));
    }
    const exposition = await gateway.metrics(credential);
    if (!exposition) {
      return refuse(gateway, request, reply, new GatewayError('route_not_found', { source: 'http' }));
    }
    if (exposition === 'unauthorized') {
      return refuse(gateway, request, reply, new GatewayError('invalid_api_key', { source: 'http' }));
    }
    return reply.code(200).header('content-type', exposition.contentType).send(exposition.body);
  });
  app.get('/readyz', async (_request, reply) => {
    const ready = await gateway.ready().catch(() => false);
    return reply
      .code(ready ? 200 : 503)
      .headers(JSON_HEADERS)
      .send(ready ? '{"status":"ready"}' : '{"status":"not_ready"}');
  });
}

const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

async function handleInference(
  gateway: Gateway,
  limits: HttpLimits,
  resolveClientIp: ReturnType<typeof createClientIpResolver>,
  operation: Operation,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const wire = OPERATION_WIRE[operation];
  let credential: string | undefined;
  let anthropicVersion: AnthropicVersion | undefined;
  let anthropicBeta: string | undefined;
  let userToken: string | undefined;
  let endUserHeader: string | undefined;
  try {
    credential = extractCredential(request.headers);
    userToken = singleHeader(request.headers, 'x-bastion-user-token', 8192);
    endUserHeader = singleHeader(request.headers, 'x-bastion-end-user', 256);
    if (wire === 'anthropic') {
      anthropicVersion = parseAnthropicVersion(request.headers['anthropic-version']);
      anthropicBeta = parseAnthropicBeta(request.headers['anthropic-beta']);
    }
  } catch (error) {
    return refuse(gateway, request, reply, asCatalogError(error));
  }
  const body = request.body;
  if (!isJsonObject(body)) {
    return refuse(gateway, request, reply, new GatewayError('invalid_json', { source: 'http' }));
  }

  // One signal for both ways a request ends early: the client leaves, or the total time runs out.
  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(new DOMException('request timeout', 'TimeoutError')),
    limits.requestTimeoutMs,
  );
  reply.raw.once('close', () => {
    clearTimeout(timer);
    if (!reply.raw.writableFinished) abort.abort();
  });
  const gatewayRequest: GatewayRequest = {
    id: request.id,
    operation,
    wire,
    receivedAt: request.bastionReceivedAt,
    body,
    model: typeof body.model === 'string' ? body.model : '',
    stream: body.stream === true,
    anthropicVersion,
    anthropicBeta,
    credential,
    userToken,
    endUserHeader,
    clientIp: resolveClientIp(
      request.raw.socket.remoteAddress,
      request.headers['x-forwarded-for'],
      request.headers.forwarded,
    ),
    routeApp: (request.params as { app?: string } | undefined)?.app,
    route: request.routeOptions.url,
    signal: abort.signal,
  };

  const outcome = await gateway.handle(gatewayRequest);
  if (outcome.kind === 'json') {
    void reply
      .code(200)
      .headers({ ...outcome.headers, ...JSON_HEADERS, ...requestIdHeaders(request.id) })
      .send(JSON.stringify(outcome.body));
    return;
  }
  if (outcome.kind === 'error') return sendError(reply, wire, outcome.error, request.id, outcome.headers);

  reply.hijack();
  const iterator = outcome.events[Symbol.asyncIterator]();
  const started = await pumpFirstEvent(iterator);
  if ('error' in started) {
    const rendered = renderError(wire, started.error, request.id);
    if (!reply.raw.destroyed) {
      reply.raw.writeHead(rendered.status, { ...outcome.headers, ...rendered.headers }).end(rendered.body);
    }
    return;
  }
  await writeStream(reply.raw, wire, request.id, iterator, started.first, outcome.headers);
}

async function handleModels(gateway: Gateway, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const anthropicStyle = request.headers['anthropic-version'] !== undefined;
  const wire = anthropicStyle ? 'anthropic' : 'openai';
  let credential: string | undefined;
  try {
    credential = extractCredential(request.headers);
  } catch (error) {
    return refuse(gateway, request, reply, asCatalogError(error));
  }
  const result = await gateway.listModels(credential, {
    requestId: request.id,
    receivedAt: request.bastionReceivedAt,
    startedAt: request.bastionStart,
  });
  if ('error' in result) return sendError(reply, wire, result.error, request.id);
  const created = Math.floor(gateway.clock.now() / 1000);
  const body = anthropicStyle
    ? {
        data: result.models.map((id) => ({
          type: 'model',
          id,
          display_name: id,
          created_at: new Date(0).toISOString(),
        })),
        has_more: false,
        first_id: result.models[0] ?? null,
        last_id: result.models.at(-1) ?? null,
      }
    : {
        object: 'list',
        data: result.models.map((id) => ({ id, object: 'model', created, owned_by: 'bastion' })),
      };
  void reply
    .code(200)
    .headers({ ...JSON_HEADERS, ...requestIdHeaders(request.id) })
    .send(JSON.stringify(body));
}

const asCatalogError = (error: unknown): GatewayError =>
  isGatewayError(error) ? error : new GatewayError('internal_error', { source: 'http' });
