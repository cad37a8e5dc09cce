import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBase62 } from '../core/ids.js';
import { handleCountTokens, handleMessages } from './anthropic-messages.js';
import { handleAnthropicModels, sendAnthropicError } from './anthropic-wire.js';
import { sendJson, type Exchange, type FakeState } from './exchange.js';
import { handleChatCompletions } from './openai-chat.js';
import { handleModerations, handleOpenAIModels } from './openai-extra.js';
import { sendOpenAIError } from './openai-wire.js';
import type {
  FakeProvider,
  FakeProviderOptions,
  ModerationScenario,
  RecordedRequest,
  Scenario,
} from './types.js';

const DEFAULT_REPLY = 'Hello from the Bastion fake provider, a short fixed reply for offline testing.';
/** Large enough for any test prompt; the fake is not where body limits are tested. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

type Handler = (ex: Exchange, state: FakeState) => void | Promise<void>;

/** Starts the fake OpenAI + Anthropic provider (see README.md). */
export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const received: RecordedRequest[] = [];
  const queue: Scenario[] = [];
  const moderationQueue: ModerationScenario[] = [];
  const record = options.record ?? true;
  const keyDigests = options.keys?.map(digest);
  const idPrefix = randomBase62(6);
  let counter = 0;

  const state: FakeState = {
    latencyMs: options.latencyMs ?? 0,
    streamChunkDelayMs: options.streamChunkDelayMs ?? 0,
    replyText: options.replyText ?? DEFAULT_REPLY,
    takeScenario: () => queue.shift(),
    takeModerationScenario: () => moderationQueue.shift(),
    acceptsKey: (key) => {
      if (keyDigests === undefined) return key !== '';
      // Compare digests in constant time and check every key, so timing says nothing about which matched.
      const presented = digest(key);
      let match = false;
      for (const accepted of keyDigests) match = timingSafeEqual(presented, accepted) || match;
      return match;
    },
    nextId: (prefix) => `${prefix}${idPrefix}${(++counter).toString(36)}`,
  };

  const server = createServer((req, res) => {
    void handle(req, res, state, record ? received : undefined).catch(() => {
      // A handler bug must not take the fake down; answer 500 if nothing was sent yet.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          '{"error":{"message":"fake provider internal error","type":"server_error","param":null,"code":null}}',
        );
      } else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    received,
    enqueue: (...scenarios) => {
      queue.push(...scenarios);
    },
    enqueueModeration: (...scenarios) => {
      moderationQueue.push(...scenarios);
    },
    reset: () => {
      received.length = 0;
      queue.length = 0;
      moderationQueue.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Stalled and keep-alive connections would otherwise keep close() waiting forever.
        server.closeAllConnections();
      }),
  };
}

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  state: FakeState,
  received: RecordedRequest[] | undefined,
): Promise<void> {
  const startedAt = performance.now();
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const raw = await readBody(req);
  const body = parseBody(raw);
  received?.push({ method: req.method ?? '', path: target, headers: req.headers, body });
  const ex: Exchange = { req, res, path, body, requestId: state.nextId('req_'), startedAt, gone: false };
  res.once('close', () => {
    ex.gone = true;
  });
  if (raw === undefined) {
    // Body over the limit: answer and stop reading.
    return sendJson(
      ex,
      413,
      { connection: 'close' },
      { error: { message: 'Request too large', type: 'invalid_request_error', param: null, code: null } },
    );
  }
  const handler = route(req.method ?? '', path, req.headers['anthropic-version'] !== undefined);
  if (handler !== undefined) return handler(ex, state);
  notFound(ex);
}

function route(method: string, path: string, anthropicClient: boolean): Handler | undefined {
  if (method === 'POST') {
    if (path === '/v1/chat/completions') return handleChatCompletions;
    if (path === '/v1/messages') return handleMessages;
    if (path === '/v1/messages/count_tokens') return handleCountTokens;
    if (path === '/v1/moderations') return handleModerations;
  } else if (method === 'GET' && path === '/v1/models') {
    return anthropicClient ? handleAnthropicModels : handleOpenAIModels;
  }
  return undefined;
}

/** 404 in the shape of the provider the path or headers point to. */
function notFound(ex: Exchange): void {
  const anthropic = ex.path.startsWith('/v1/messages') || ex.req.headers['anthropic-version'] !== undefined;
  if (anthropic) {
    sendAnthropicError(ex, 404, 'not_found_error', 'Not found');
    return;
  }
  sendOpenAIError(ex, 404, {
    message: `Invalid URL (${ex.req.method ?? 'GET'} ${ex.path.slice(0, 200)})`,
    type: 'invalid_request_error',
  });
}

/** The whole body as text; undefined when it exceeds the limit. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return chunks.length === 1
    ? (chunks[0] as Buffer).toString('utf8')
    : Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string | undefined): unknown {
  if (raw === undefined || raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
