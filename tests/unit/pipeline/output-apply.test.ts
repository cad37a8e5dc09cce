import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import type { OutputChannel, StreamEvent } from '../../../src/core/types.js';
import { newContext } from '../../../src/pipeline/context.js';
import { OutputPlan, guardJsonBody, guardStream } from '../../../src/pipeline/output-apply.js';
import { block, release, type OutputFilter, type OutputGuard } from '../../../src/pipeline/output.js';
import {
  anthropicOutputCodec,
  eventCloses,
  eventParts,
} from '../../../src/providers/anthropic/output-codec.js';
import { chunkCloses, chunkParts, openAIOutputCodec } from '../../../src/providers/openai/output-codec.js';
import { gatewayRequest } from '../../helpers/fixtures.js';

/** Holds everything until the channel ends, then releases it upper-cased; blocks on "BOOM". */
const holdAll = (seen: OutputChannel[] = []): OutputGuard => ({
  name: 'hold-all',
  appliesTo: () => true,
  open: (_ctx, channel) => {
    seen.push(channel);
    let held = '';
    const filter: OutputFilter = {
      push: (text) => {
        held += text;
        return held.includes('BOOM')
          ? block(new GatewayError('output_blocked', { source: 'test' }))
          : release('');
      },
      end: () => release(held.toUpperCase()),
    };
    return filter;
  },
});

const passThrough: OutputGuard = {
  name: 'pass',
  appliesTo: () => true,
  open: () => ({ push: (text) => release(text), end: () => release('') }),
};

const ctx = () => newContext(gatewayRequest());

const openAIEvent = (chunk: Record<string, unknown>): StreamEvent => ({
  event: undefined,
  data: JSON.stringify(chunk),
  textDelta: '',
  usage: undefined,
  parts: chunkParts(chunk),
  closes: chunkCloses(chunk),
});
const DONE: StreamEvent = {
  event: undefined,
  data: '[DONE]',
  textDelta: '',
  usage: undefined,
  closes: 'all',
};

const anthropicEvent = (payload: Record<string, unknown>): StreamEvent => {
  const name = payload.type as string;
  return {
    event: name,
    data: JSON.stringify(payload),
    textDelta: '',
    usage: undefined,
    parts: eventParts(payload),
    closes: eventCloses(name, payload),
  };
};

async function* from(events: readonly StreamEvent[]): AsyncGenerator<StreamEvent> {
  for (const event of events) yield event;
}

const collect = async (
  iterable: AsyncIterable<StreamEvent>,
): Promise<{ events: StreamEvent[]; error?: unknown }> => {
  const events: StreamEvent[] = [];
  try {
    for await (const event of iterable) events.push(event);
  } catch (error) {
    return { events, error };
  }
  return { events };
};

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

/** Holds the last 3 characters and releases text unchanged: events must leave byte for byte. */
const lagging: OutputGuard = {
  name: 'lag',
  appliesTo: () => true,
  open: () => {
    let held = '';
    return {
      push: (text) => {
        held += text;
        const out = held.slice(0, Math.max(0, held.length - 3));
        held = held.slice(out.length);
        return release(out);
      },
      end: () => release(held),
    };
  },
};

/** Passes text through and adds a note when the channel ends. */
const appending: OutputGuard = {
  name: 'append',
  appliesTo: () => true,
  open: () => ({ push: (text) => release(text), end: () => release(' [end]') }),
};

const contentOf = (event: StreamEvent): unknown =>
  event.data === '[DONE]' ? '[DONE]' : JSON.parse(event.data).choices[0]?.delta?.content;

describe('output guards on OpenAI streams', () => {
  it('delays events while text is held and forwards them byte for byte when it is unchanged', async () => {
    const plan = OutputPlan.for(ctx(), [lagging], 1000)!;
    const upstream = [
      openAIEvent(chunk({ role: 'assistant', content: 'he' })),
      openAIEvent(chunk({ content: 'llo' })),
      openAIEvent(chunk({ content: ' world' })),
      openAIEvent(chunk({}, 'stop')),
      DONE,
    ];
    const { events, error } = await collect(guardStream(plan, openAIOutputCodec, from(upstream)));
    expect(error).toBeUndefined();
    expect(events).toEqual(upstream);
    events.forEach((event, i) => expect(event).toBe(upstream[i]));
  });

  it('puts rewritten text into the queued events of its channel, before the chunk that finishes it', async () => {
    const plan = OutputPlan.for(ctx(), [holdAll()], 1000)!;
    const upstream = [
      openAIEvent(chunk({ role: 'assistant', content: 'he' })),
      openAIEvent(chunk({ content: 'llo' })),
      openAIEvent(chunk({}, 'stop')),
      DONE,
    ];
    const { events, error } = await collect(guardStream(plan, openAIOutputCodec, from(upstream)));
    expect(error).toBeUndefined();
    expect(events.map(contentOf)).toEqual(['HELLO', '', undefined, '[DONE]']);
    expect(JSON.parse(events[0]!.data).choices[0].delta.role).toBe('assistant');
    expect(JSON.parse(events[2]!.data).choices[0].finish_reason).toBe('stop');
  });

  it('releases text added at the end in a delta chunk shaped like the stream', async () => {
    const plan = OutputPlan.for(ctx(), [appending], 1000)!;
    const upstream = [openAIEvent(chunk({ content: 'hi' })), openAIEvent(chunk({}, 'stop')), DONE];
    const { events } = await collect(guardStream(plan, openAIOutputCodec, from(upstream)));
    expect(events.map(contentOf)).toEqual(['hi', ' [end]', undefined, '[DONE]']);
    expect(JSON.parse(events[1]!.data)).toMatchObject({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta: { content: ' [end]' }, finish_reason: null }],
    });
  });

  it('a chunk that carries text and finishes takes the rest of the rewritten text', async () => {
    const plan = OutputPlan.for(ctx(), [holdAll()], 1000)!;
    const upstream = [
      openAIEvent(chunk({ content: 'a' })),
      openAIEvent(chunk({ content: 'b' }, 'stop')),
      DONE,
    ];
    const { events } = await collect(guardStream(plan, openAIOutputCodec, from(upstream)));
    expect(events.map(contentOf)).toEqual(['AB', '', '[DONE]']);
    expect(JSON.parse(events[1]!.data).choices[0].finish_reason).toBe('stop');
  });

  it('keeps tool-call arguments on their own channel', async () => {
    const seen: OutputChannel[] = [];
    const plan = OutputPlan.for(ctx(), [holdAll(seen)], 1000)!;
    const call = (args: string, extra: Record<string, unknown> = {}) =>
      chunk({ tool_calls: [{ index: 0, ...extra, function: { arguments: args } }] });
    const upstream = [
      openAIEvent(call('{"q":', { id: 'call_1', type: 'function' })),
      openAIEvent(call('"x"}')),
      openAIEvent(chunk({}, 'tool_calls')),
      DONE,
    ];
    const { events } = await collect(guardStream(plan, openAIOutputCodec, from(upstream)));
    expect(seen.map((c) => [c.id, c.kind])).toEqual([['c0.tool0', 'tool_input']]);
    expect(JSON.parse(events[0]!.data).choices[0].delta.tool_calls[0]).toMatchObject({
      id: 'call_1',
      function: { arguments: '{"Q":"X"}' },
    });
  });

  it('ends the stream with the block and never releases the held text', async () => {
    const plan = OutputPlan.for(ctx(), [holdAll()], 1000)!;
    const upstream = [
      openAIEvent(chunk({ content: 'secret ' })),
      openAIEvent(chunk({ content: 'BOOM' })),
      openAIEvent(chunk({}, 'stop')),
      DONE,
    ];
    const { events, error } = await collect(guardStream(plan, openAIOutputCodec, from(upstream)));
    expect((error as GatewayError).code).toBe('output_blocked');
    expect(events.map((e) => e.data).join('')).not.toContain('secret');
  });

  it('leaves events untouched when filters pass text through unchanged', async () => {
    const plan = OutputPlan.for(ctx(), [passThrough], 1000)!;
    const upstream = [openAIEvent(chunk({ content: 'x' })), DONE];
    const { events } = await collect(guardStream(plan, openAIOutputCodec, from(upstream)));
    expect(events).toEqual(upstream);
  });

  it('fails closed when a filter throws or stalls', async () => {
    const thrower: OutputGuard = {
      name: 't',
      appliesTo: () => true,
      open: () => ({
        push: () => {
          throw new Error('bug');
        },
        end: () => release(''),
      }),
    };
    const staller: OutputGuard = {
      name: 's',
      appliesTo: () => true,
      open: () => ({ push: () => new Promise(() => undefined), end: () => release('') }),
    };
    for (const guard of [thrower, staller]) {
      const plan = OutputPlan.for(ctx(), [guard], 20)!;
      const { error } = await collect(
        guardStream(plan, openAIOutputCodec, from([openAIEvent(chunk({ content: 'x' })), DONE])),
      );
      expect((error as GatewayError).code).toBe('guard_failed');
    }
  });
});

describe('output guards on Anthropic streams and JSON bodies', () => {
  it('holds a content block until it ends, then fills the queued deltas in order', async () => {
    const plan = OutputPlan.for(ctx(), [holdAll()], 1000)!;
    const upstream = [
      anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi ' } }),
      anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'there' } }),
      anthropicEvent({ type: 'content_block_stop', index: 0 }),
      anthropicEvent({ type: 'message_stop' }),
    ];
    const { events } = await collect(guardStream(plan, anthropicOutputCodec, from(upstream)));
    expect(events.map((e) => e.event)).toEqual(upstream.map((e) => e.event));
    expect(JSON.parse(events[1]!.data)).toEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'HI THERE' },
    });
    expect(JSON.parse(events[2]!.data).delta.text).toBe('');
  });

  it('releases an Anthropic block tail as a content_block_delta before content_block_stop', async () => {
    const plan = OutputPlan.for(ctx(), [appending], 1000)!;
    const upstream = [
      anthropicEvent({ type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'x' } }),
      anthropicEvent({ type: 'content_block_stop', index: 2 }),
    ];
    const { events } = await collect(guardStream(plan, anthropicOutputCodec, from(upstream)));
    expect(events.map((e) => e.event)).toEqual([
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
    ]);
    expect(JSON.parse(events[1]!.data)).toEqual({
      type: 'content_block_delta',
      index: 2,
      delta: { type: 'text_delta', text: ' [end]' },
    });
  });

  it('rewrites every text part of a JSON body in both wire formats', async () => {
    const plan = OutputPlan.for(ctx(), [holdAll()], 1000)!;
    const openai = await guardJsonBody(plan, openAIOutputCodec, {
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'abc',
            tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"a":"b"}' } }],
          },
        },
      ],
    });
    expect(openai).toMatchObject({
      choices: [{ message: { content: 'ABC', tool_calls: [{ function: { arguments: '{"A":"B"}' } }] } }],
    });
    const anthropic = await guardJsonBody(plan, anthropicOutputCodec, {
      content: [
        { type: 'text', text: 'x' },
        { type: 'tool_use', id: 't', name: 'f', input: { k: 'v' } },
      ],
    });
    expect(anthropic).toMatchObject({
      content: [
        { type: 'text', text: 'X' },
        { type: 'tool_use', input: { K: 'V' } },
      ],
    });
  });

  it('skips output processing entirely when no guard applies', () => {
    expect(OutputPlan.for(ctx(), [{ ...passThrough, appliesTo: () => false }], 1000)).toBeUndefined();
  });
});

describe('OpenAI output channels beyond content', () => {
  it('legacy function_call arguments and audio transcripts are channels too (JSON and stream)', async () => {
    const seen: OutputChannel[] = [];
    const plan = OutputPlan.for(ctx(), [holdAll(seen)], 1000)!;
    const body = await guardJsonBody(plan, openAIOutputCodec, {
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            function_call: { name: 'f', arguments: '{"k":"v"}' },
            audio: { id: 'a', transcript: 'hi' },
          },
        },
      ],
    });
    expect(body).toMatchObject({
      choices: [{ message: { function_call: { arguments: '{"K":"V"}' }, audio: { transcript: 'HI' } } }],
    });
    const upstream = [
      openAIEvent(chunk({ function_call: { arguments: '{"a":' } })),
      openAIEvent(chunk({ function_call: { arguments: '1}' } }, 'function_call')),
      DONE,
    ];
    const { events } = await collect(guardStream(plan, openAIOutputCodec, from(upstream)));
    expect(JSON.parse(events[0]!.data).choices[0].delta.function_call.arguments).toBe('{"A":1}');
    expect(seen.map((c) => c.id)).toEqual(['c0.fn', 'c0.audio', 'c0.fn']);
  });
});

describe('stream queue bounds', () => {
  it('a held channel does not stall other channels beyond a bounded queue', async () => {
    const plan = OutputPlan.for(ctx(), [lagging], 1000)!;
    // `lagging` holds 3 characters of the content channel forever (until it ends); tool deltas follow.
    const call = (args: string) => chunk({ tool_calls: [{ index: 0, function: { arguments: args } }] });
    const upstream = [
      openAIEvent(chunk({ content: 'Looking' })),
      ...Array.from({ length: 200 }, () => openAIEvent(call('x'))),
    ];
    let emitted = 0;
    let firstOutAfter = -1;
    async function* counted(): AsyncGenerator<StreamEvent> {
      for (const [i, event] of upstream.entries()) {
        yield event;
        if (emitted > 0 && firstOutAfter < 0) firstOutAfter = i;
      }
    }
    for await (const _event of guardStream(plan, openAIOutputCodec, counted())) emitted++;
    expect(firstOutAfter).toBeGreaterThan(0);
    expect(firstOutAfter).toBeLessThanOrEqual(70);
  });

  it('two parts of one channel in one event are not duplicated', async () => {
    const plan = OutputPlan.for(ctx(), [lagging], 1000)!;
    const doubled = {
      id: 'x',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [
        { index: 0, delta: { content: 'abc' }, finish_reason: null },
        { index: 0, delta: { content: 'def' }, finish_reason: null },
      ],
    };
    const { events } = await collect(
      guardStream(plan, openAIOutputCodec, from([openAIEvent(doubled), DONE])),
    );
    const text = events
      .filter((e) => e.data !== '[DONE]')
      .flatMap((e) =>
        (JSON.parse(e.data).choices as Array<{ delta: { content?: string } }>).map(
          (c) => c.delta.content ?? '',
        ),
      )
      .join('');
    expect(text).toBe('abcdef');
  });
});
