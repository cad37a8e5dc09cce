/**
 * Model text in OpenAI Chat Completions bodies and chunks. Channels: `c{i}` (choice content),
 * `c{i}.refusal`, `c{i}.tool{k}` (function arguments or custom tool input). One walker serves
 * reading and rewriting, so the order of parts can never differ between the two.
 */
import { GatewayError } from '../../core/errors.js';
import type { OutputCodec } from '../../core/output-codec.js';
import type { JsonObject, OutputChannel, StreamEvent, TextPart } from '../../core/types.js';
import { asRecord, channel, indexOf } from '../shared/channels.js';

type Visit = (channel: OutputChannel, text: string, set: (text: string) => void) => void;

/** Visits every text field of `choices[*][slot]` (slot: `message` in bodies, `delta` in chunks). */
const walk = (body: Record<string, unknown>, slot: 'message' | 'delta', visit: Visit): void => {
  const choices = body.choices;
  if (!Array.isArray(choices)) return;
  choices.forEach((rawChoice: unknown, position) => {
    const choice = asRecord(rawChoice);
    const message = choice && asRecord(choice[slot]);
    if (!choice || !message) return;
    const c = `c${indexOf(choice, position)}`;
    if (typeof message.content === 'string' && message.content.length > 0)
      visit(channel(c, 'text', 'content'), message.content, (text) => (message.content = text));
    if (typeof message.refusal === 'string' && message.refusal.length > 0)
      visit(channel(`${c}.refusal`, 'text', 'refusal'), message.refusal, (text) => (message.refusal = text));
    // Legacy `functions` calls and audio transcripts are model output too.
    const call = asRecord(message.function_call);
    if (call && typeof call.arguments === 'string' && call.arguments.length > 0)
      visit(
        channel(`${c}.fn`, 'tool_input', 'function_call'),
        call.arguments,
        (text) => (call.arguments = text),
      );
    const audio = asRecord(message.audio);
    if (audio && typeof audio.transcript === 'string' && audio.transcript.length > 0)
      visit(channel(`${c}.audio`, 'text', 'audio'), audio.transcript, (text) => (audio.transcript = text));
    if (!Array.isArray(message.tool_calls)) return;
    message.tool_calls.forEach((rawCall: unknown, callPosition) => {
      const call = asRecord(rawCall);
      if (!call) return;
      const id = `${c}.tool${indexOf(call, callPosition)}`;
      const fn = asRecord(call.function);
      if (fn && typeof fn.arguments === 'string' && fn.arguments.length > 0)
        visit(channel(id, 'tool_input', 'arguments'), fn.arguments, (text) => (fn.arguments = text));
      const custom = asRecord(call.custom);
      if (custom && typeof custom.input === 'string' && custom.input.length > 0)
        visit(channel(id, 'tool_input', 'input'), custom.input, (text) => (custom.input = text));
    });
  });
};

const partsOf = (body: Record<string, unknown>, slot: 'message' | 'delta'): TextPart[] => {
  const parts: TextPart[] = [];
  walk(body, slot, (ch, text) => parts.push({ channel: ch, text }));
  return parts;
};

const rewrite = <T extends Record<string, unknown>>(
  copy: T,
  slot: 'message' | 'delta',
  texts: readonly string[],
): T => {
  let next = 0;
  walk(copy, slot, (_ch, _text, set) => {
    const text = texts[next++];
    if (text === undefined) throw new GatewayError('internal_error', { source: 'output:openai' });
    set(text);
  });
  if (next !== texts.length) throw new GatewayError('internal_error', { source: 'output:openai' });
  return copy;
};

/** Text parts of one parsed chunk. */
export const chunkParts = (chunk: Record<string, unknown>): TextPart[] => partsOf(chunk, 'delta');

/** Choices a chunk finishes (their channels end). */
export const chunkCloses = (chunk: Record<string, unknown>): string[] | undefined => {
  const choices = chunk.choices;
  if (!Array.isArray(choices)) return undefined;
  let closes: string[] | undefined;
  choices.forEach((rawChoice: unknown, position) => {
    const choice = asRecord(rawChoice);
    if (choice && typeof choice.finish_reason === 'string')
      (closes ??= []).push(`c${indexOf(choice, position)}`);
  });
  return closes;
};

const ENVELOPE_FIELDS = ['id', 'object', 'created', 'model', 'system_fingerprint', 'service_tier'] as const;

const deltaFor = (ch: OutputChannel, text: string): Record<string, unknown> => {
  if (ch.field === 'function_call') return { function_call: { arguments: text } };
  if (ch.field === 'audio') return { audio: { transcript: text } };
  if (ch.kind === 'text') return { [ch.field]: text };
  const toolIndex = Number(ch.id.slice(ch.id.indexOf('.tool') + 5));
  const payload = ch.field === 'input' ? { custom: { input: text } } : { function: { arguments: text } };
  return { tool_calls: [{ index: toolIndex, ...payload }] };
};

export const openAIOutputCodec: OutputCodec = {
  jsonParts: (body) => partsOf(body, 'message'),
  jsonWithTexts: (body, texts) => rewrite(structuredClone(body), 'message', texts),
  eventWithTexts: (event: StreamEvent, texts) => {
    const chunk = rewrite(JSON.parse(event.data) as Record<string, unknown>, 'delta', texts);
    return { ...event, data: JSON.stringify(chunk), textDelta: texts.join(''), parts: undefined };
  },
  deltaEvent: (ch, text, template) => {
    const envelope: JsonObject = { object: 'chat.completion.chunk' };
    const source = template ? asRecord(JSON.parse(template.data)) : undefined;
    for (const field of ENVELOPE_FIELDS)
      if (source && source[field] !== undefined) envelope[field] = source[field];
    const choiceIndex = Number(/^c(\d+)/.exec(ch.id)?.[1] ?? 0);
    const chunk = {
      ...envelope,
      choices: [{ index: choiceIndex, delta: deltaFor(ch, text), finish_reason: null }],
    };
    return { event: undefined, data: JSON.stringify(chunk), textDelta: text, usage: undefined };
  },
};
