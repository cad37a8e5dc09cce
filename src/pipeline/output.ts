import type { GatewayError } from '../core/errors.js';
import type { OutputChannel } from '../core/types.js';
import type { RequestContext } from './context.js';

/** What an output filter lets through now, or the error that ends the response. */
export type FilterStep = { readonly release: string } | { readonly block: GatewayError };

/**
 * One output guard's state for one channel of one response. Text goes in piece by piece (stream
 * deltas, or the whole text at once for a JSON response); what comes out may be transformed and
 * may lag behind by the filter's hold-back window, but never by more: a filter holds back at most a
 * bounded number of characters, so a stream keeps flowing.
 */
export interface OutputFilter {
  /** Takes the next piece of model text; returns what may leave now, or a block. */
  push(text: string): FilterStep | Promise<FilterStep>;
  /** The channel ended: a last check, then everything still held. */
  end(): FilterStep | Promise<FilterStep>;
}

/**
 * A response guard: one output control. The engine applies output guards, in order, to every
 * channel of every response, streamed or not, before any byte of that text reaches the client.
 * Like request guards, output guards never write responses; a throw or a timeout blocks (fail closed).
 */
export interface OutputGuard {
  readonly name: string;
  /** Per-step timeout for filters that call out (moderation, policy hooks); default from the engine. */
  readonly timeoutMs?: number;
  /** Cheap test whether the guard has anything to do for this request (app settings). */
  appliesTo(ctx: RequestContext): boolean;
  /** A filter for one channel, or undefined when the guard skips this channel (e.g. tool input). */
  open(ctx: RequestContext, channel: OutputChannel): OutputFilter | undefined;
}

export const release = (text: string): FilterStep => ({ release: text });
export const block = (error: GatewayError): FilterStep => ({ block: error });
