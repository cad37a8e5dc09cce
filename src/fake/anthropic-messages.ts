import { dropConnection, pause, sendJson, sendStream, type Exchange, type FakeState } from './exchange.js';
import { planReply, type ReplyPlan } from './plan.js';
import { contentText, isRecord, lastUserText, parseDirective } from './scenario.js';
import { countTokens } from './tokens.js';
import {
  ANTHROPIC_STREAM_ERROR_EVENT,
  anthropicBadRequest,
  anthropicHeaders,
  checkAnthropicHeaders,
  sendAnthropicStatus,
} from './anthropic-wire.js';

/** Sampling parameters that API version 2026-10-21 rejects (PROTOCOL-NOTES §0.2). */
const SAMPLING = ['temperature', 'top_p', 'top_k'] as const;

/** `POST /v1/messages`, stream and not (PROTOCOL-NOTES §5, §0.3, §0.6, §0.11). */
export async function handleMessages(ex: Exchange, state: FakeState): Promise<void> {
  const version = checkAnthropicHeaders(ex, state);
  if (version === undefined) return;
  const body = validateCommon(ex);
  if (body === undefined) return;
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 0) {
    anthropicBadRequest(
      ex,
      maxTokens === undefined ? 'max_tokens: Field required' : 'max_tokens: Input should be a valid integer',
    );
    return;
  }
  if (version === '2026-10-21') {
    const sampling = SAMPLING.find((field) => body[field] !== undefined);
    if (sampling !== undefined) return anthropicBadRequest(ex, `${sampling}: Extra inputs are not permitted`);
  }
  const messages = body.messages as unknown[];
  const model = body.model as string;
  const stream = body.stream === true;

  const scenario = state.takeScenario() ?? parseDirective(lastUserText(messages));
  if (scenario?.kind === 'stall') return;
  if (scenario?.kind === 'status')
    return sendAnthropicStatus(ex, state, scenario.status, scenario.retryAfter);
  if (!stream && scenario?.kind === 'cut') return dropConnection(ex);
  if (!stream && scenario?.kind === 'midstream_error') return sendAnthropicStatus(ex, state, 529, undefined);

  const tools = Array.isArray(body.tools) ? body.tools : [];
  const plan = planReply({
    scenario,
    defaultText: state.replyText,
    systemText: () => systemText(body),
    forcedTool: forcedTool(body.tool_choice, tools),
    toolSchema: (name) => findTool(tools, name)?.input_schema,
    maxTokens,
  });
  const inputTokens = anthropicInputTokens(body);
  const id = state.nextId('msg_');
  const toolUseId = plan.tool === undefined ? undefined : state.nextId('toolu_');
  const stopReason = plan.tool !== undefined ? 'tool_use' : plan.truncated ? 'max_tokens' : 'end_turn';

  if (stream) {
    const frames = {
      events: streamEvents(plan, { id, model, inputTokens, toolUseId, stopReason }),
      terminator: undefined,
      errorEvent: ANTHROPIC_STREAM_ERROR_EVENT,
    };
    return sendStream(ex, state, anthropicHeaders(ex), frames, plan.disruption);
  }
  await pause(state.latencyMs, ex);
  const content =
    plan.tool !== undefined
      ? [{ type: 'tool_use', id: toolUseId, name: plan.tool.name, input: plan.tool.input }]
      : plan.text === ''
        ? []
        : [{ type: 'text', text: plan.text, citations: null }];
  sendJson(ex, 200, anthropicHeaders(ex), {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: fullUsage(inputTokens, plan.outputTokens),
  });
}

/** `POST /v1/messages/count_tokens` → `{"input_tokens": N}`, the same N that messages reports. */
export function handleCountTokens(ex: Exchange, state: FakeState): void {
  if (checkAnthropicHeaders(ex, state) === undefined) return;
  const body = validateCommon(ex);
  if (body === undefined) return;
  sendJson(ex, 200, anthropicHeaders(ex), { input_tokens: anthropicInputTokens(body) });
}

function validateCommon(ex: Exchange): Record<string, unknown> | undefined {
  const { body } = ex;
  if (!isRecord(body)) {
    anthropicBadRequest(ex, 'There was an issue with your request body: invalid JSON.');
    return undefined;
  }
  if (typeof body.model !== 'string' || body.model === '') {
    anthropicBadRequest(ex, 'model: Field required');
    return undefined;
  }
  if (!Array.isArray(body.messages)) {
    anthropicBadRequest(ex, 'messages: Field required');
    return undefined;
  }
  return body;
}

interface StreamHead {
  id: string;
  model: string;
  inputTokens: number;
  toolUseId: string | undefined;
  stopReason: string;
}

const event = (type: string, data: Record<string, unknown>): string =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** Every event carries an `event:` line (§0.3); usage in message_start and cumulative in message_delta (§0.6). */
function streamEvents(plan: ReplyPlan, head: StreamHead): string[] {
  const usage = fullUsage(head.inputTokens, Math.min(1, plan.outputTokens));
  const events = [
    event('message_start', {
      message: {
        id: head.id,
        type: 'message',
        role: 'assistant',
        model: head.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage,
      },
    }),
  ];
  const { tool } = plan;
  if (tool !== undefined) {
    const block = { type: 'tool_use', id: head.toolUseId, name: tool.name, input: {} };
    events.push(event('content_block_start', { index: 0, content_block: block }), event('ping', {}));
    for (const fragment of tool.fragments) {
      events.push(
        event('content_block_delta', {
          index: 0,
          delta: { type: 'input_json_delta', partial_json: fragment },
        }),
      );
    }
    events.push(event('content_block_stop', { index: 0 }));
  } else if (plan.text !== '') {
    events.push(
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('ping', {}),
    );
    for (const piece of plan.pieces) {
      events.push(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }));
    }
    events.push(event('content_block_stop', { index: 0 }));
  } else {
    events.push(event('ping', {}));
  }
  events.push(
    event('message_delta', {
      delta: { stop_reason: head.stopReason, stop_sequence: null },
      usage: {
        input_tokens: head.inputTokens,
        output_tokens: plan.outputTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    }),
    event('message_stop', {}),
  );
  return events;
}

function fullUsage(inputTokens: number, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    server_tool_use: null,
    service_tier: 'standard',
  };
}

/** Input tokens: system text plus the text (and tool results) of every message, at least 1. */
export function anthropicInputTokens(body: Record<string, unknown>): number {
  let total = countTokens(contentText(body.system));
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      if (!isRecord(message)) continue;
      total += countTokens(contentText(message.content));
      if (!Array.isArray(message.content)) continue;
      for (const block of message.content) {
        if (isRecord(block) && block.type === 'tool_result') total += countTokens(contentText(block.content));
      }
    }
  }
  return Math.max(1, total);
}

/** `system` plus, under 2026-10-21, `role:"system"` messages. */
function systemText(body: Record<string, unknown>): string {
  const parts = [contentText(body.system)];
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      if (isRecord(message) && message.role === 'system') parts.push(contentText(message.content));
    }
  }
  return parts.filter((part) => part !== '').join('\n');
}

interface CustomTool {
  name: string;
  input_schema: unknown;
}

function customTool(tool: unknown): CustomTool | undefined {
  if (!isRecord(tool) || typeof tool.name !== 'string') return undefined;
  return { name: tool.name, input_schema: tool.input_schema };
}

const findTool = (tools: readonly unknown[], name: string): CustomTool | undefined =>
  tools.map(customTool).find((tool) => tool?.name === name);

/** The tool `tool_choice` forces: `{type:"tool", name}`, or the first tool for `{type:"any"}`. */
function forcedTool(choice: unknown, tools: readonly unknown[]): string | undefined {
  if (!isRecord(choice)) return undefined;
  if (choice.type === 'tool' && typeof choice.name === 'string') return choice.name;
  if (choice.type === 'any') return tools.map(customTool).find((tool) => tool !== undefined)?.name;
  return undefined;
}
