/**
 * Model text in Anthropic Messages bodies and stream events. Channels are content blocks: `b{i}`,
 * with the kind taken from the block (text and thinking are text; tool input is tool_input).
 */
import { GatewayError } from '../../core/errors.js';
import type { OutputCodec } from '../../core/output-codec.js';
import type { OutputChannel, StreamEvent, TextPart } from '../../core/types.js';
import { asRecord, channel, indexOf } from '../shared/channels.js';

const SOURCE = 'output:anthropic';

/** Delta type -> the field that carries its text. */
const DELTA_TEXT_FIELD: Readonly<Record<string, string>> = {
  text_delta: 'text',
  input_json_delta: 'partial_json',
  thinking_delta: 'thinking',
};

const TOOL_BLOCKS = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);

type Visit = (channel: OutputChannel, text: string, set: (text: string) => void) => void;

/** Text of one content block of a complete message (tool input as its JSON text). */
const visitBlock = (block: Record<string, unknown>, id: string, visit: Visit): void => {
  if (block.type === 'text' && typeof block.text === 'string' && block.text.length > 0) {
    visit(channel(id, 'text', 'text_delta'), block.text, (text) => (block.text = text));
  } else if (block.type === 'thinking' && typeof block.thinking === 'string' && block.thinking.length > 0) {
    visit(channel(id, 'text', 'thinking_delta'), block.thinking, (text) => (block.thinking = text));
  } else if (typeof block.type === 'string' && TOOL_BLOCKS.has(block.type) && block.input !== undefined) {
    visit(channel(id, 'tool_input', 'input_json_delta'), JSON.stringify(block.input), (text) => {
      try {
        block.input = JSON.parse(text) as unknown;
      } catch {
        // A redaction that breaks the tool input's JSON cannot be delivered: withhold it instead.
        throw new GatewayError('output_blocked', {
          source: SOURCE,
          detail: 'tool input not JSON after rewrite',
        });
      }
    });
  }
};

const walkMessage = (body: Record<string, unknown>, visit: Visit): void => {
  if (!Array.isArray(body.content)) return;
  body.content.forEach((raw: unknown, position) => {
    const block = asRecord(raw);
    if (block) visitBlock(block, `b${position}`, visit);
  });
};

/** Text of one stream event: content_block_delta text, and any text a content_block_start carries. */
const walkEvent = (payload: Record<string, unknown>, visit: Visit): void => {
  if (payload.type === 'content_block_delta') {
    const delta = asRecord(payload.delta);
    const type = typeof delta?.type === 'string' ? delta.type : '';
    const field = DELTA_TEXT_FIELD[type];
    if (!delta || field === undefined) return;
    const text = delta[field];
    if (typeof text !== 'string' || text.length === 0) return;
    const kind = type === 'input_json_delta' ? 'tool_input' : 'text';
    visit(channel(`b${indexOf(payload, 0)}`, kind, type), text, (next) => (delta[field] = next));
  } else if (payload.type === 'content_block_start') {
    const block = asRecord(payload.content_block);
    // A start event normally carries empty text; a non-empty one is screened like any delta.
    if (
      block &&
      block.type !== 'tool_use' &&
      block.type !== 'server_tool_use' &&
      block.type !== 'mcp_tool_use'
    )
      visitBlock(block, `b${indexOf(payload, 0)}`, visit);
  }
};

const collect = (walker: (visit: Visit) => void): TextPart[] => {
  const parts: TextPart[] = [];
  walker((ch, text) => parts.push({ channel: ch, text }));
  return parts;
};

const apply = (walker: (visit: Visit) => void, texts: readonly string[]): void => {
  let next = 0;
  walker((_ch, _text, set) => {
    const text = texts[next++];
    if (text === undefined) throw new GatewayError('internal_error', { source: SOURCE });
    set(text);
  });
  if (next !== texts.length) throw new GatewayError('internal_error', { source: SOURCE });
};

/** Text parts of one parsed stream event. */
export const eventParts = (payload: Record<string, unknown>): TextPart[] =>
  collect((visit) => walkEvent(payload, visit));

/** Blocks an event ends: content_block_stop ends its block; message_delta/message_stop end all. */
export const eventCloses = (
  name: string | undefined,
  payload: Record<string, unknown>,
): string[] | 'all' | undefined => {
  if (name === 'content_block_stop') return [`b${indexOf(payload, 0)}`];
  if (name === 'message_delta' || name === 'message_stop') return 'all';
  return undefined;
};

export const anthropicOutputCodec: OutputCodec = {
  jsonParts: (body) => collect((visit) => walkMessage(body, visit)),
  jsonWithTexts: (body, texts) => {
    const copy = structuredClone(body);
    apply((visit) => walkMessage(copy, visit), texts);
    return copy;
  },
  eventWithTexts: (event: StreamEvent, texts) => {
    const payload = JSON.parse(event.data) as Record<string, unknown>;
    apply((visit) => walkEvent(payload, visit), texts);
    return { ...event, data: JSON.stringify(payload), textDelta: texts.join(''), parts: undefined };
  },
  deltaEvent: (ch, text) => {
    const index = Number(ch.id.slice(1));
    const field = DELTA_TEXT_FIELD[ch.field] ?? 'text';
    const type = DELTA_TEXT_FIELD[ch.field] ? ch.field : 'text_delta';
    const data = JSON.stringify({ type: 'content_block_delta', index, delta: { type, [field]: text } });
    return { event: 'content_block_delta', data, textDelta: text, usage: undefined };
  },
};
