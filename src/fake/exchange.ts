import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ModerationScenario, Scenario } from './types.js';
import type { ReplyPlan } from './plan.js';

/** Organisation named in provider headers and 429 bodies, so leak tests can look for it. */
export const FAKE_ORG = 'org-fake123';
export const FAKE_COOKIE = '__cf_bm=fake; path=/; HttpOnly; Secure; SameSite=None';

/** Settings and state shared by every request of one fake server. */
export interface FakeState {
  readonly latencyMs: number;
  readonly streamChunkDelayMs: number;
  readonly replyText: string;
  /** Next scenario: the queue first, else the prompt's directive (resolved by the caller). */
  takeScenario(): Scenario | undefined;
  /** Next scripted moderation failure, if any. */
  takeModerationScenario(): ModerationScenario | undefined;
  /** Whether the presented key is accepted. */
  acceptsKey(key: string): boolean;
  /** Unique id with a per-server random part, e.g. `msg_` → `msg_k3J9x0a1` (no per-call crypto). */
  nextId(prefix: string): string;
}

/** One request/response pair. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Path without the query string. */
  readonly path: string;
  readonly body: unknown;
  readonly requestId: string;
  /** performance.now() at arrival, for `openai-processing-ms`. */
  readonly startedAt: number;
  /** The connection closed (client abort, or the response finished). */
  gone: boolean;
}

/** Resolves after `ms`, or as soon as the client goes away; the timer never outlives the request. */
export function pause(ms: number, ex: Exchange): Promise<void> {
  if (ex.gone) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      ex.res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    ex.res.once('close', done);
  });
}

export function sendJson(ex: Exchange, status: number, headers: OutgoingHttpHeaders, body: unknown): void {
  if (ex.gone) return;
  const json = JSON.stringify(body);
  headers['content-type'] = 'application/json';
  headers['content-length'] = Buffer.byteLength(json);
  ex.res.writeHead(status, headers);
  ex.res.end(json);
}

/** Drops the connection without an answer (non-stream `cut`). */
export function dropConnection(ex: Exchange): void {
  ex.req.socket.destroy();
}

export interface StreamFrames {
  /** Complete SSE events (each ends with a blank line). */
  readonly events: readonly string[];
  /** Sent after the events on a normal end (OpenAI `data: [DONE]`), if any. */
  readonly terminator: string | undefined;
  /** The provider's in-stream error event. */
  readonly errorEvent: string;
}

/**
 * Writes an SSE response, honouring latency, the pause between events and a `cut` or
 * `midstream_error` disruption. Without delays all events go out in one corked write.
 */
export async function sendStream(
  ex: Exchange,
  state: FakeState,
  headers: OutgoingHttpHeaders,
  frames: StreamFrames,
  disruption: ReplyPlan['disruption'],
): Promise<void> {
  const { res } = ex;
  if (ex.gone) return;
  headers['content-type'] = 'text/event-stream; charset=utf-8';
  headers['cache-control'] = 'no-cache';
  res.writeHead(200, headers);
  const { events } = frames;
  const limit = disruption === undefined ? events.length : Math.min(disruption.afterEvents, events.length);
  const delay = state.streamChunkDelayMs;
  if (state.latencyMs > 0 || delay > 0) {
    res.flushHeaders();
    await pause(state.latencyMs, ex);
    for (let i = 0; i < limit && !ex.gone; i++) {
      if (i > 0) await pause(delay, ex);
      if (!ex.gone) res.write(events[i]);
    }
    if (limit > 0) await pause(delay, ex);
    if (ex.gone) return;
  } else {
    res.cork();
    for (let i = 0; i < limit; i++) res.write(events[i]);
    res.uncork();
  }
  if (disruption === undefined) res.end(frames.terminator);
  else if (disruption.kind === 'midstream_error') res.end(frames.errorEvent);
  else cutStream(ex);
}

/** Ends the TCP connection after what was written, without the chunked terminator: a truncated stream. */
function cutStream(ex: Exchange): void {
  const { socket } = ex.req;
  ex.res.flushHeaders();
  socket.end(() => socket.destroy());
}

/** Masks a key the way OpenAI echoes it in 401 bodies: first characters, `****`, last four. */
export function maskKey(key: string): string {
  if (key.length >= 12) return `${key.slice(0, 8)}****${key.slice(-4)}`;
  return `${key.slice(0, 2)}****${key.slice(-2)}`;
}
