import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayError } from '../core/errors.js';
import type { Operation, WireFormat } from '../core/types.js';
import type { Gateway } from '../engine/types.js';
import { renderError } from './render.js';
import { wireForPath } from './request-meta.js';

const OPERATION_BY_ROUTE: Record<string, Operation> = {
  '/v1/chat/completions': 'openai.chat',
  '/v1/messages': 'anthropic.messages',
  '/v1/messages/count_tokens': 'anthropic.count_tokens',
  '/v1/apps/:app/chat': 'openai.chat',
  '/v1/apps/:app/chat/completions': 'openai.chat',
  '/v1/apps/:app/v1/messages': 'anthropic.messages',
  '/v1/apps/:app/v1/messages/count_tokens': 'anthropic.count_tokens',
};

/** Answers a request refused by the http layer and records its audit event. */
export function refuse(
  gateway: Gateway,
  request: FastifyRequest,
  reply: FastifyReply,
  error: GatewayError,
): void {
  const route = request.routeOptions.url ?? 'unmatched';
  const wire: WireFormat = wireForPath(request.url);
  gateway.recordRejected({
    requestId: request.id,
    route,
    operation: OPERATION_BY_ROUTE[route] ?? (route === '/v1/models' ? 'models' : 'unknown'),
    wire,
    receivedAt: request.bastionReceivedAt || gateway.clock.now(),
    startedAt: request.bastionStart || gateway.clock.monotonic(),
    error,
  });
  sendError(reply, wire, error, request.id);
}

export function sendError(
  reply: FastifyReply,
  wire: WireFormat,
  error: GatewayError,
  requestId: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  const rendered = renderError(wire, error, requestId);
  void reply
    .code(rendered.status)
    .headers({ ...extraHeaders, ...rendered.headers })
    .send(rendered.body);
}
