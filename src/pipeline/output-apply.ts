/**
 * Applies output guards to responses: the same filter chains run on a JSON body and on a stream,
 * so a control can never be on for one and off for the other. On streams, text a filter holds
 * back is released in a delta event before the event that ends its channel; a block ends the
 * stream with an error (the http layer writes it as an error event in the client's wire format).
 */
import { GatewayError, isGatewayError } from '../core/errors.js';
import type { OutputCodec } from '../core/output-codec.js';
import type { JsonObject, OutputChannel, StreamEvent } from '../core/types.js';
import type { RequestContext } from './context.js';
import { withTimeout } from './timeout.js';
import type { FilterStep, OutputFilter, OutputGuard } from './output.js';

const DONE = '[DONE]';
/** Events a stream may have queued behind held text before the held channel switches to rewriting. */
const MAX_QUEUED_EVENTS = 64;

interface ChainLink {
  readonly guard: string;
  readonly filter: OutputFilter;
  readonly timeoutMs: number;
}

/** Runs one channel's text through the filters of every applicable guard, in order. */
export class ChannelChain {
  constructor(
    readonly channel: OutputChannel,
    private readonly links: readonly ChainLink[],
  ) {}

  /**
   * Text that may leave now; throws the blocking GatewayError. Synchronous while every filter
   * answers synchronously (the common case: no promise per stream event), a promise otherwise.
   */
  push(text: string): string | Promise<string> {
    return this.pushFrom(0, text);
  }

  private pushFrom(first: number, text: string): string | Promise<string> {
    let current = text;
    for (let i = first; i < this.links.length; i++) {
      if (current.length === 0) return '';
      const link = this.links[i] as ChainLink;
      const input = current;
      const step = this.step(link, () => link.filter.push(input));
      if (typeof step !== 'string') return step.then((released) => this.pushFrom(i + 1, released));
      current = step;
    }
    return current;
  }

  /** Flushes every filter in order: what filter i releases on end still passes filters i+1... */
  async end(): Promise<string> {
    let current = '';
    for (const link of this.links) {
      const input = current;
      const pushed = input.length > 0 ? await this.step(link, () => link.filter.push(input)) : '';
      current = pushed + (await this.step(link, () => link.filter.end()));
    }
    return current;
  }

  private step(link: ChainLink, run: () => FilterStep | Promise<FilterStep>): string | Promise<string> {
    let pending: FilterStep | Promise<FilterStep>;
    try {
      pending = run();
    } catch (error) {
      throw failClosed(link, error);
    }
    if (!(pending instanceof Promise)) return released(pending);
    return withTimeout(pending, link.timeoutMs, () => new Error('output guard timeout')).then(
      released,
      (error: unknown) => {
        throw failClosed(link, error);
      },
    );
  }
}

const released = (result: FilterStep): string => {
  if ('block' in result) throw result.block;
  return result.release;
};

/** Fail closed: a filter that throws or stalls withholds the rest of the response. */
const failClosed = (link: ChainLink, error: unknown): GatewayError =>
  isGatewayError(error)
    ? error
    : new GatewayError('guard_failed', {
        source: `output:${link.guard}`,
        detail: error instanceof Error ? error.name : typeof error,
      });

/** Opens chains for the output guards that apply to one request. */
export class OutputPlan {
  private constructor(
    private readonly ctx: RequestContext,
    private readonly guards: readonly OutputGuard[],
    private readonly defaultTimeoutMs: number,
  ) {}

  /** The plan for a request, or undefined when no output guard applies (the response passes untouched). */
  static for(
    ctx: RequestContext,
    guards: readonly OutputGuard[],
    defaultTimeoutMs: number,
  ): OutputPlan | undefined {
    const applicable = guards.filter((guard) => guard.appliesTo(ctx));
    return applicable.length === 0 ? undefined : new OutputPlan(ctx, applicable, defaultTimeoutMs);
  }

  open(channel: OutputChannel): ChannelChain | undefined {
    const links: ChainLink[] = [];
    for (const guard of this.guards) {
      const filter = guard.open(this.ctx, channel);
      if (filter)
        links.push({ guard: guard.name, filter, timeoutMs: guard.timeoutMs ?? this.defaultTimeoutMs });
    }
    return links.length === 0 ? undefined : new ChannelChain(channel, links);
  }
}

/** A complete response body with every channel passed through its chain. */
export async function guardJsonBody(
  plan: OutputPlan,
  codec: OutputCodec,
  body: JsonObject,
): Promise<JsonObject> {
  const parts = codec.jsonParts(body);
  if (parts.length === 0) return body;
  const texts: string[] = [];
  let changed = false;
  for (const part of parts) {
    const chain = plan.open(part.channel);
    const text = chain ? (await chain.push(part.text)) + (await chain.end()) : part.text;
    if (text !== part.text) changed = true;
    texts.push(text);
  }
  return changed ? codec.jsonWithTexts(body, texts) : body;
}

const closesChannel = (closes: readonly string[] | 'all' | undefined, id: string): boolean =>
  closes !== undefined &&
  (closes === 'all' || closes.some((prefix) => id === prefix || id.startsWith(`${prefix}.`)));

/** One channel of a stream: its chain, and text released by the chain not yet placed in an event. */
interface ChannelState {
  readonly channel: OutputChannel;
  readonly chain: ChannelChain | undefined;
  released: string;
  /** The filters changed this channel's text: events now carry whatever was released (rewritten). */
  rewriting: boolean;
  ended: boolean;
}

/**
 * A stream with every channel passed through its chain.
 *
 * Events are delayed, not rewritten, while filters hold text back: an event leaves unchanged (byte
 * for byte) once the filters have released exactly its text. Only when a filter changes the text
 * (a redaction, a removed tag) are that channel's events rewritten through the codec, each carrying
 * what has been released so far. Order is kept: an event never overtakes one queued before it.
 * Text still held when the channel ends is released before the event that ends it; text held when
 * the upstream stream fails is never released.
 */
export async function* guardStream(
  plan: OutputPlan,
  codec: OutputCodec,
  events: AsyncIterable<StreamEvent>,
): AsyncGenerator<StreamEvent> {
  const channels = new Map<string, ChannelState>();
  const queue: StreamEvent[] = [];
  let template: StreamEvent | undefined;

  const stateOf = (channel: OutputChannel): ChannelState => {
    let state = channels.get(channel.id);
    if (!state) {
      state = { channel, chain: plan.open(channel), released: '', rewriting: false, ended: false };
      channels.set(channel.id, state);
    }
    return state;
  };

  for await (const event of events) {
    if (event.data !== DONE) template = event;
    for (const part of event.parts ?? []) {
      const state = stateOf(part.channel);
      if (!state.chain) {
        state.released += part.text;
        continue;
      }
      const out = state.chain.push(part.text);
      state.released += typeof out === 'string' ? out : await out;
    }
    if (event.closes !== undefined) {
      for (const state of channels.values()) {
        if (state.ended || !closesChannel(event.closes, state.channel.id)) continue;
        state.ended = true;
        if (state.chain) state.released += await state.chain.end();
      }
    }
    queue.push(event);
    yield* drain(queue, channels, codec, template);
  }
}

/** Emits queued events, in order, as far as the released text allows. */
function* drain(
  queue: StreamEvent[],
  channels: ReadonlyMap<string, ChannelState>,
  codec: OutputCodec,
  template: StreamEvent | undefined,
): Generator<StreamEvent> {
  while (queue.length > 0) {
    const head = queue[0] as StreamEvent;
    const parts = head.parts ?? [];
    let verbatim = true;
    const seen = new Set<string>();
    for (const part of parts) {
      const state = channels.get(part.channel.id);
      if (!state) continue;
      // Two parts of one channel in one event (a malformed upstream): rewrite, never compare twice.
      if (seen.has(part.channel.id)) state.rewriting = true;
      seen.add(part.channel.id);
      if (state.rewriting) {
        verbatim = false;
        continue;
      }
      const closing = closesChannel(head.closes, state.channel.id);
      if (closing ? state.released === part.text : state.released.startsWith(part.text)) continue;
      if (!state.ended && part.text.startsWith(state.released)) {
        // Not released yet: wait, unless the queue is long (a held channel must not stall the
        // others, e.g. tool-call deltas behind a held content preamble): then rewrite instead.
        if (queue.length < MAX_QUEUED_EVENTS) return;
      }
      state.rewriting = true;
      verbatim = false;
    }
    queue.shift();
    // Held text of channels this event ends goes out first, in a delta event of its own.
    for (const state of channels.values()) {
      const carried = parts.some((part) => part.channel.id === state.channel.id);
      if (carried || !closesChannel(head.closes, state.channel.id) || state.released.length === 0) continue;
      yield codec.deltaEvent(state.channel, state.released, template);
      state.released = '';
    }
    if (verbatim) {
      for (const part of parts) {
        const state = channels.get(part.channel.id);
        if (state) state.released = state.released.slice(part.text.length);
      }
      yield head;
      continue;
    }
    const texts = parts.map((part) => {
      const state = channels.get(part.channel.id);
      if (!state) return part.text;
      if (state.rewriting || closesChannel(head.closes, state.channel.id)) {
        const all = state.released;
        state.released = '';
        return all;
      }
      state.released = state.released.slice(part.text.length);
      return part.text;
    });
    yield codec.eventWithTexts(head, texts);
  }
}
