/**
 * Anthropic Messages adapter: POST {baseUrl}/v1/messages and /v1/messages/count_tokens with only
 * Bastion's own headers. The client's anthropic-version is passed through unchanged (§0.2) so the
 * body the client validated against is interpreted under the same version upstream.
 */
import { systemClock, type Clock } from '../../core/clock.js';
import { GatewayError } from '../../core/errors.js';
import type { ProviderAdapter, UpstreamRequest, UpstreamResult } from '../types.js';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  ensureEventStream,
  ensureSuccess,
  parseBaseUrl,
  readJsonObject,
} from '../shared/exchange.js';
import type { UpstreamClient } from '../shared/http-client.js';
import { anthropicUsage } from '../shared/usage.js';
import { anthropicStreamEvents } from './stream.js';
import { anthropicOutputCodec } from './output-codec.js';

export const USER_AGENT = 'bastion/0.1';
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';
const SOURCE = 'provider:anthropic';
const REQUEST_ID_HEADER = 'request-id';

export interface AnthropicAdapterOptions {
  /** e.g. `https://api.anthropic.com` (without `/v1`). */
  readonly baseUrl: string;
  /** Shared upstream client whose allowlist includes the base URL's origin. */
  readonly client: UpstreamClient;
  readonly clock?: Clock;
  readonly maxResponseBytes?: number;
}

export const anthropicHeaders = (request: UpstreamRequest, stream: boolean): Record<string, string> => {
  const headers: Record<string, string> = {
    'x-api-key': request.credential.value,
    'anthropic-version': request.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION,
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
    'user-agent': USER_AGENT,
  };
  if (request.anthropicBeta !== undefined) headers['anthropic-beta'] = request.anthropicBeta;
  return headers;
};

export const createAnthropicAdapter = (options: AnthropicAdapterOptions): ProviderAdapter => {
  const endpoint = parseBaseUrl(options.baseUrl);
  const messagesPath = `${endpoint.pathPrefix}/v1/messages`;
  const countTokensPath = `${endpoint.pathPrefix}/v1/messages/count_tokens`;
  const clock = options.clock ?? systemClock;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  const send = async (request: UpstreamRequest): Promise<UpstreamResult> => {
    const countTokens = request.operation === 'anthropic.count_tokens';
    if (!countTokens && request.operation !== 'anthropic.messages') {
      throw new GatewayError('internal_error', {
        detail: `operation ${request.operation} not served`,
        source: SOURCE,
      });
    }
    // count_tokens never streams, whatever the body says.
    const stream = request.stream && !countTokens;
    const started = clock.monotonic();
    const response = await options.client.request({
      origin: endpoint.origin,
      path: countTokens ? countTokensPath : messagesPath,
      method: 'POST',
      headers: anthropicHeaders(request, stream),
      body: JSON.stringify(request.body),
      signal: request.signal,
    });
    await ensureSuccess(response, REQUEST_ID_HEADER, SOURCE);

    if (stream) {
      await ensureEventStream(response, SOURCE);
      return {
        kind: 'stream',
        upstreamMs: clock.monotonic() - started,
        events: anthropicStreamEvents(response.body, request.signal),
      };
    }
    const body = await readJsonObject(response, {
      maxBytes: maxResponseBytes,
      signal: request.signal,
      source: SOURCE,
    });
    const upstreamMs = clock.monotonic() - started;
    if (countTokens) {
      const inputTokens = body.input_tokens;
      if (typeof inputTokens !== 'number' || !Number.isInteger(inputTokens) || inputTokens < 0) {
        throw new GatewayError('upstream_error', {
          detail: 'count_tokens response lacks input_tokens',
          source: SOURCE,
        });
      }
      return { kind: 'json', body: { input_tokens: inputTokens }, usage: undefined, upstreamMs };
    }
    return { kind: 'json', body, usage: anthropicUsage(body.usage), upstreamMs };
  };

  return { name: 'anthropic', output: anthropicOutputCodec, send, close: () => options.client.close() };
};
