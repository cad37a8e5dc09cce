import type { Socket } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { GatewayError, isGatewayError } from '../core/errors.js';
import { newRequestId } from '../core/ids.js';
import type { Gateway } from '../engine/types.js';
import { renderError } from './render.js';
import { refuse } from './respond.js';
import { checkHeaders, wireForPath } from './request-meta.js';
import { registerRoutes } from './routes.js';
import type { HttpLimits } from './routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    bastionStart: number;
    bastionReceivedAt: number;
  }
}

/**
 * Node's own header limit, well above ours (`limits.maxHeaderBytes`, at most 60 KiB), so that
 * oversize headers normally reach `checkHeaders` and are answered in the route's wire format.
 * Beyond this, Node refuses before the request line is known (see answerClientError).
 */
const NODE_MAX_HEADER_BYTES = 256 * 1024;

/**
 * The HTTP shell: the only module that knows the web framework. It parses bodies, refuses what it
 * can refuse without the pipeline (size, JSON, headers, unknown routes: each one audited), and
 * writes JSON or SSE in the caller's wire format. It never forwards anything by itself.
 */
export function createHttpServer(gateway: Gateway, limits: HttpLimits): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: limits.maxBodyBytes,
    genReqId: () => newRequestId(),
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: false, maxParamLength: 128 },
    http: { maxHeaderSize: NODE_MAX_HEADER_BYTES },
    // In-flight requests finish during shutdown; new ones are refused at the socket level.
    return503OnClosing: false,
    clientErrorHandler: (error, socket) =>
      answerClientError(gateway, error as unknown as ClientError, socket),
  });

  app.decorateRequest('bastionStart', 0);
  app.decorateRequest('bastionReceivedAt', 0);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch {
      done(new GatewayError('invalid_json', { source: 'http' }), undefined);
    }
  });
  app.addContentTypeParser('*', (_req, _payload, done) =>
    done(new GatewayError('unsupported_media_type', { source: 'http' }), undefined),
  );

  app.addHook('onRequest', (request, reply, done) => {
    request.bastionStart = gateway.clock.monotonic();
    request.bastionReceivedAt = gateway.clock.now();
    const headerError = checkHeaders(request.raw.rawHeaders, limits.maxHeaderBytes);
    if (headerError) {
      refuse(gateway, request, reply, headerError);
      return;
    }
    done();
  });

  app.setErrorHandler((error, request, reply) => {
    refuse(gateway, request, reply, toCatalogError(error));
  });
  app.setNotFoundHandler((request, reply) => {
    refuse(gateway, request, reply, new GatewayError('route_not_found', { source: 'http' }));
  });

  registerRoutes(app, gateway, limits);
  return app;
}

function toCatalogError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('body_too_large', { source: 'http' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('unsupported_media_type', { source: 'http' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('invalid_json', { source: 'http' });
    default:
      return new GatewayError('internal_error', { source: 'http', detail: code ?? 'unknown' });
  }
}

/**
 * Node refuses requests whose headers exceed its own limit before any route runs. Answer them in
 * the wire format their request line suggests, and still record the audit event.
 */
type ClientError = Error & { code?: string; rawPacket?: Buffer };

function answerClientError(gateway: Gateway, error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const requestLine = error.rawPacket?.subarray(0, 256).toString('latin1').split('\r\n', 1)[0] ?? '';
  const path = requestLine.split(' ')[1] ?? '/';
  const gatewayError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new GatewayError('headers_too_large', { source: 'http' })
      : new GatewayError('headers_invalid', { source: 'http', detail: error.code ?? 'client_error' });
  const requestId = newRequestId();
  gateway.recordRejected({
    requestId,
    route: 'unmatched',
    operation: 'unknown',
    wire: wireForPath(path),
    receivedAt: gateway.clock.now(),
    startedAt: gateway.clock.monotonic(),
    error: gatewayError,
  });
  const rendered = renderError(wireForPath(path), gatewayError, requestId);
  const headers = Object.entries({
    ...rendered.headers,
    'content-length': String(Buffer.byteLength(rendered.body)),
  })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${rendered.status} Error\r\n${headers}connection: close\r\n\r\n${rendered.body}`);
}
