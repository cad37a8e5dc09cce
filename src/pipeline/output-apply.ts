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
import type { FilterStep, OutputFilter, OutputGuard } from './output.js';

const DONE = '[DONE]';

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

  /** Text that may leave now; throws the blocking GatewayError. */
  async push(text: string): Promise<string> {
    let current = text;
    for (const link of this.links) {
      if (current.length === 0) return '';
      current = await this.step(link, () => link.filter.push(current));
    }
    return current;
  }

  /** Flushes every filter in order: what filter i releases on end still passes filters i+1... */
  async end(): Promise<string> {
    let current = '';
    for (const link of this.links) {
      const pushed = current.length > 0 ? await this.step(link, () => link.filter.push(current)) : '';
      current = pushed + (await this.step(link, () => link.filter.end()));
    }
    return current;
  }

  private async step(link: ChainLink, run: () => FilterStep | Promise<FilterStep>): Promise<string> {
    let result: FilterStep;
    try {
      const pending = run();
      result = pending instanceof Promise ? await withTimeout(pending, link.timeoutMs) : pending;
    } catch (error) {
      if (isGatewayError(error)) throw error;
      // Fail closed: a filter that throws or stalls withholds the rest of the response.
      throw new GatewayError('guard_failed', {
        source: `output:${link.guard}`,
        detail: error instanceof Error ? error.name : typeof error,
      });
    }
    if ('block' in result) throw result.block;
    return result.release;
  }
}

const withTimeout = async <T>(pending: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      pending,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('output guard timeout')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};

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

const closesChannel = (closes: readonly string[] | 'all', id: string): boolean =>
  closes === 'all' || closes.some((prefix) => id === prefix || id.startsWith(`${prefix}.`));

/**
 * A stream with every channel passed through its chain. Held text is released before the event
 * that ends its channel; text still held when the upstream stream fails is never released.
 */
export async function* guardStream(
  plan: OutputPlan,
  codec: OutputCodec,
  events: AsyncIterable<StreamEvent>,
): AsyncGenerator<StreamEvent> {
  const open = new Map<string, ChannelChain | undefined>();
  let template: StreamEvent | undefined;
  for await (const event of events) {
    if (event.data !== DONE) template = event;
    let texts: string[] | undefined;
    const parts = event.parts;
    if (parts !== undefined && parts.length > 0) {
      texts = [];
      let changed = false;
      for (const part of parts) {
        let chain = open.get(part.channel.id);
        if (!open.has(part.channel.id)) {
          chain = plan.open(part.channel);
          open.set(part.channel.id, chain);
        }
        const text = chain ? await chain.push(part.text) : part.text;
        if (text !== part.text) changed = true;
        texts.push(text);
      }
      if (!changed) texts = undefined;
    }
    if (event.closes !== undefined) {
      for (const [id, chain] of open) {
        if (!closesChannel(event.closes, id)) continue;
        open.delete(id);
        if (!chain) continue;
        const tail = await chain.end();
        if (tail.length === 0) continue;
        const index = parts?.findIndex((part) => part.channel.id === id) ?? -1;
        if (index >= 0 && parts) {
          texts ??= parts.map((part) => part.text);
          texts[index] += tail;
        } else {
          yield codec.deltaEvent(chain.channel, tail, template);
        }
      }
    }
    yield texts ? codec.eventWithTexts(event, texts) : event;
  }
}
