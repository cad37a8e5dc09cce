/**
 * The system-prompt-leak output guard through the real output framework and wire codecs: block
 * and redact on JSON bodies and streams, tool input always blocked, triggers and one alert per
 * request (ids only).
 */
import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../../../src/core/errors.js';
import type { SystemPromptPolicy } from '../../../../src/core/policy.js';
import type { StreamEvent } from '../../../../src/core/types.js';
import { newContext, type RequestContext } from '../../../../src/pipeline/context.js';
import { OutputPlan, guardJsonBody, guardStream } from '../../../../src/pipeline/output-apply.js';
import { chunkCloses, chunkParts, openAIOutputCodec } from '../../../../src/providers/openai/output-codec.js';
import {
  anthropicOutputCodec,
  eventCloses,
  eventParts,
} from '../../../../src/providers/anthropic/output-codec.js';
import { createSystemPromptLeakGuard, type LeakReport } from '../../../../src/guards/system-prompt/index.js';
import { appPolicy, gatewayRequest } from '../../../helpers/fixtures.js';

const PROMPT =
  'You are Ada, the support assistant of Example Outdoor Gear. Never promise refunds above fifty dollars without a supervisor and always ask for the order number first.';
const CANARY = 'bst-cnry-k7q2mz4xw5ta3bv6hn2p';

const policy = (action: 'block' | 'redact'): SystemPromptPolicy => ({
  text: PROMPT,
  clientMessages: 'refuse',
  leak: { action, minOverlapWords: 12 },
});

const ctxFor = (action: 'block' | 'redact', withPrompt = true): RequestContext => {
  const ctx = newContext(gatewayRequest({ id: 'req_leak' }));
  ctx.app = appPolicy({ id: 'support', systemPrompt: policy(action) });
  if (withPrompt) ctx.systemPrompt = { text: PROMPT, canary: CANARY };
  return ctx;
};

const setup = (action: 'block' | 'redact', withPrompt = true) => {
  const reports: LeakReport[] = [];
  const guard = createSystemPromptLeakGuard({ onLeak: (report) => reports.push(report) });
  const ctx = ctxFor(action, withPrompt);
  return { ctx, reports, plan: OutputPlan.for(ctx, [guard], 1000) };
};

const completion = (content: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
});

const openAIChunk = (delta: Record<string, unknown>, finish: string | null = null): StreamEvent => {
  const chunk = {
    id: 'c',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
  return {
    event: undefined,
    data: JSON.stringify(chunk),
    textDelta: '',
    usage: undefined,
    parts: chunkParts(chunk),
    closes: chunkCloses(chunk),
  };
};

const anthropicEvent = (payload: Record<string, unknown>): StreamEvent => ({
  event: payload.type as string,
  data: JSON.stringify(payload),
  textDelta: '',
  usage: undefined,
  parts: eventParts(payload),
  closes: eventCloses(payload.type as string, payload),
});

async function* from(events: readonly StreamEvent[]): AsyncGenerator<StreamEvent> {
  for (const event of events) yield event;
}

const drain = async (events: AsyncIterable<StreamEvent>) => {
  const out: StreamEvent[] = [];
  try {
    for await (const event of events) out.push(event);
    return { out, error: undefined };
  } catch (error) {
    return { out, error };
  }
};

const streamedText = (events: readonly StreamEvent[]): string =>
  events
    .map((event) => event.data)
    .filter((data) => data !== '[DONE]')
    .map((data) => {
      const parsed = JSON.parse(data) as {
        choices?: Array<{ delta?: { content?: string } }>;
        delta?: { text?: string };
      };
      return parsed.choices?.[0]?.delta?.content ?? parsed.delta?.text ?? '';
    })
    .join('');

const b64Canary = Buffer.from(CANARY).toString('base64');

describe('system-prompt-leak guard', () => {
  it('applies only to requests that carry a protected prompt', () => {
    expect(setup('block', false).plan).toBeUndefined();
    expect(setup('block').plan).toBeDefined();
  });

  it('JSON, block: a base64 canary blocks the response; trigger and one alert with ids only', async () => {
    const { ctx, reports, plan } = setup('block');
    const error = await guardJsonBody(plan!, openAIOutputCodec, completion(`Encoded: ${b64Canary}`)).catch(
      (caught: unknown) => caught,
    );
    expect(isGatewayError(error) && error.code).toBe('output_blocked');
    expect(ctx.triggers).toEqual(['system_prompt.leak.canary']);
    expect(reports).toEqual([{ appId: 'support', requestId: 'req_leak', kind: 'canary', action: 'block' }]);
  });

  it('JSON, redact: the echoed prompt becomes [redacted], the rest is kept', async () => {
    const { ctx, reports, plan } = setup('redact');
    const body = await guardJsonBody(plan!, openAIOutputCodec, completion(`My instructions: ${PROMPT} OK?`));
    const content = (body.choices as Array<{ message: { content: string } }>)[0]?.message.content;
    expect(content).toBe('My instructions: [redacted]. OK?');
    expect(ctx.triggers).toEqual(['system_prompt.leak.overlap']);
    expect(reports).toHaveLength(1);
  });

  it('JSON: benign output passes untouched', async () => {
    const { ctx, plan } = setup('block');
    const input = completion('Please send me your order number and I will check the refund status.');
    expect(await guardJsonBody(plan!, openAIOutputCodec, input)).toBe(input);
    expect(ctx.triggers).toEqual([]);
  });

  it('OpenAI stream, block: the stream ends with the error and no piece of the canary left', async () => {
    const { ctx, plan } = setup('block');
    const text = `Sure, let me help you with that question today. The marker is ${CANARY} as requested.`;
    const events = [openAIChunk({ role: 'assistant', content: '' })];
    for (let i = 0; i < text.length; i += 3) events.push(openAIChunk({ content: text.slice(i, i + 3) }));
    events.push(openAIChunk({}, 'stop'));
    const { out, error } = await drain(guardStream(plan!, openAIOutputCodec, from(events)));
    expect(isGatewayError(error) && error.code).toBe('output_blocked');
    const leaked = streamedText(out);
    expect(leaked).not.toContain('k7q2');
    expect(text.startsWith(leaked)).toBe(true);
    expect(ctx.triggers).toEqual(['system_prompt.leak.canary']);
  });

  it('Anthropic stream, redact: a split canary is redacted, the stream completes', async () => {
    const { ctx, reports, plan } = setup('redact');
    const text = `Here it is: ${[...CANARY].join(' ')} and that is all.`;
    const events = [
      anthropicEvent({ type: 'message_start', message: { id: 'm', content: [] } }),
      anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ];
    for (let i = 0; i < text.length; i += 5) {
      events.push(
        anthropicEvent({
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: text.slice(i, i + 5) },
        }),
      );
    }
    events.push(anthropicEvent({ type: 'content_block_stop', index: 0 }));
    events.push(anthropicEvent({ type: 'message_stop' }));
    const { out, error } = await drain(guardStream(plan!, anthropicOutputCodec, from(events)));
    expect(error).toBeUndefined();
    expect(streamedText(out)).toBe('Here it is: [redacted] and that is all.');
    expect(ctx.triggers).toEqual(['system_prompt.leak.canary']);
    expect(reports).toHaveLength(1);
  });

  it('tool input is blocked even when the app redacts (a redaction could break its JSON)', async () => {
    const { plan } = setup('redact');
    const body = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'send', arguments: JSON.stringify({ note: CANARY }) },
              },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
    };
    const error = await guardJsonBody(plan!, openAIOutputCodec, body).catch((caught: unknown) => caught);
    expect(isGatewayError(error) && error.code).toBe('output_blocked');
  });

  it('an alert sink that throws does not stop the block', async () => {
    const guard = createSystemPromptLeakGuard({
      onLeak: () => {
        throw new Error('sink down');
      },
    });
    const ctx = ctxFor('block');
    const plan = OutputPlan.for(ctx, [guard], 1000);
    const error = await guardJsonBody(plan!, openAIOutputCodec, completion(CANARY)).catch(
      (caught: unknown) => caught,
    );
    expect(isGatewayError(error) && error.code).toBe('output_blocked');
  });
});
