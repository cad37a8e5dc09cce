import { dropConnection, pause, sendJson, sendStream, type Exchange, type FakeState } from './exchange.js';
import { planReply, type ReplyPlan } from './plan.js';
import { contentText, isRecord, lastUserText, parseDirective } from './scenario.js';
import { countTokens } from './tokens.js';
import {
  OPENAI_SERVER_ERROR,
  OPENAI_STREAM_ERROR_EVENT,
  checkOpenAIAuth,
  openaiBadRequest,
  openaiHeaders,
  sendOpenAIError,
  sendOpenAIStatus,
} from './openai-wire.js';

/** `POST /v1/chat/completions`, stream and not (PROTOCOL-NOTES §1, §0.4, §0.5, §0.11). */
export async function handleChatCompletions(ex: Exchange, state: FakeState): Promise<void> {
  if (!checkOpenAIAuth(ex, state)) return;
  const request = validate(ex);
  if (request === undefined) return;
  const { body, messages, model, stream, n } = request;

  const scenario = state.takeScenario() ?? parseDirective(lastUserText(messages));
  if (scenario?.kind === 'stall') return;
  if (scenario?.kind === 'status')
    return sendOpenAIStatus(ex, state, scenario.status, model, scenario.retryAfter);
  if (!stream && scenario?.kind === 'cut') return dropConnection(ex);
  if (!stream && scenario?.kind === 'midstream_error') {
    await pause(state.latencyMs, ex);
    return sendOpenAIError(ex, 500, OPENAI_SERVER_ERROR);
  }

  const tools = Array.isArray(body.tools) ? body.tools : [];
  const plan = planReply({
    scenario,
    defaultText: state.replyText,
    systemText: () => systemText(messages),
    forcedTool: forcedTool(body.tool_choice, tools),
    toolSchema: (name) => findTool(tools, name)?.parameters,
    maxTokens: request.maxTokens,
  });
  const usage = usageOf(inputTokens(messages), plan.outputTokens * n);
  const id = state.nextId('chatcmpl-');
  const created = Math.floor(Date.now() / 1000);
  const callIds = plan.tool === undefined ? [] : Array.from({ length: n }, () => state.nextId('call_'));
  const finishReason = plan.tool !== undefined ? 'tool_calls' : plan.truncated ? 'length' : 'stop';

  if (stream) {
    const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
    const head = {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
    };
    // Every chunk shares id/created/model: serialise that head once and splice each choice in.
    const prefix = `data: ${JSON.stringify(head).slice(0, -1)},"choices":[`;
    const suffix = includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
    const events = streamEvents(plan, n, callIds, finishReason).map(
      (choice) => prefix + JSON.stringify(choice) + suffix,
    );
    if (includeUsage) events.push(frame({ ...head, choices: [], usage }));
    const frames = { events, terminator: 'data: [DONE]\n\n', errorEvent: OPENAI_STREAM_ERROR_EVENT };
    return sendStream(ex, state, openaiHeaders(ex), frames, plan.disruption);
  }

  await pause(state.latencyMs, ex);
  const choices = [];
  for (let index = 0; index < n; index++) {
    const callId = callIds[index];
    const message =
      plan.tool !== undefined && callId !== undefined
        ? {
            role: 'assistant',
            content: null,
            refusal: null,
            annotations: [],
            tool_calls: [
              {
                id: callId,
                type: 'function',
                function: { name: plan.tool.name, arguments: plan.tool.argumentsJson },
              },
            ],
          }
        : { role: 'assistant', content: plan.text, refusal: null, annotations: [] };
    choices.push({ index, message, logprobs: null, finish_reason: finishReason });
  }
  sendJson(ex, 200, openaiHeaders(ex), {
    id,
    object: 'chat.completion',
    created,
    model,
    choices,
    usage,
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  });
}

interface ChatRequest {
  body: Record<string, unknown>;
  messages: unknown[];
  model: string;
  stream: boolean;
  n: number;
  maxTokens: number | undefined;
}

/** The few checks the real API makes that clients rely on; answers 400 and returns undefined on failure. */
function validate(ex: Exchange): ChatRequest | undefined {
  const { body } = ex;
  if (!isRecord(body)) {
    openaiBadRequest(
      ex,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      null,
    );
    return undefined;
  }
  if (typeof body.model !== 'string' || body.model === '') {
    openaiBadRequest(ex, "Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
    return undefined;
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    openaiBadRequest(
      ex,
      "Invalid 'messages': empty array. Expected an array with minimum length 1.",
      'messages',
      'empty_array',
    );
    return undefined;
  }
  const n = body.n ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 128) {
    openaiBadRequest(ex, "Invalid 'n': must be an integer between 1 and 128.", 'n', 'invalid_value');
    return undefined;
  }
  const stream = body.stream === true;
  if (!stream && body.stream_options != null) {
    openaiBadRequest(
      ex,
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'stream_options',
      'invalid_value',
    );
    return undefined;
  }
  const cap = body.max_completion_tokens ?? body.max_tokens;
  if (cap != null && (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 1)) {
    const param = body.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
    openaiBadRequest(
      ex,
      `Invalid '${param}': integer below minimum value. Expected a value >= 1.`,
      param,
      'integer_below_min_value',
    );
    return undefined;
  }
  return { body, messages: body.messages, model: body.model, stream, n, maxTokens: cap ?? undefined };
}

const frame = (chunk: unknown): string => `data: ${JSON.stringify(chunk)}\n\n`;

/** Choice deltas in stream order, interleaved across the `n` choices like the real API. */
function streamEvents(
  plan: ReplyPlan,
  n: number,
  callIds: readonly string[],
  finishReason: string,
): unknown[] {
  const steps: Record<string, unknown>[] = [];
  const { tool } = plan;
  if (tool !== undefined) {
    steps.push({ role: 'assistant', content: null, refusal: null });
    for (const fragment of tool.fragments)
      steps.push({ tool_calls: [{ index: 0, function: { arguments: fragment } }] });
  } else {
    steps.push({ role: 'assistant', content: '', refusal: null });
    for (const piece of plan.pieces) steps.push({ content: piece });
  }
  const events: unknown[] = [];
  steps.forEach((delta, step) => {
    for (let index = 0; index < n; index++) {
      // The first delta of a tool call carries id, type and name (§0.5); later ones only fragments.
      const withCall =
        step === 0 && tool !== undefined
          ? {
              ...delta,
              tool_calls: [
                {
                  index: 0,
                  id: callIds[index],
                  type: 'function',
                  function: { name: tool.name, arguments: '' },
                },
              ],
            }
          : delta;
      events.push({ index, delta: withCall, logprobs: null, finish_reason: null });
    }
  });
  for (let index = 0; index < n; index++)
    events.push({ index, delta: {}, logprobs: null, finish_reason: finishReason });
  return events;
}

function usageOf(promptTokens: number, completionTokens: number): unknown {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0, cache_write_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** Input tokens: the text of every message (and of assistant tool-call arguments), at least 1. */
function inputTokens(messages: readonly unknown[]): number {
  let total = 0;
  for (const message of messages) {
    if (!isRecord(message)) continue;
    total += countTokens(contentText(message.content));
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) {
        if (isRecord(call) && isRecord(call.function) && typeof call.function.arguments === 'string') {
          total += countTokens(call.function.arguments);
        }
      }
    }
  }
  return Math.max(1, total);
}

function systemText(messages: readonly unknown[]): string {
  const parts: string[] = [];
  for (const message of messages) {
    if (isRecord(message) && (message.role === 'system' || message.role === 'developer')) {
      parts.push(contentText(message.content));
    }
  }
  return parts.join('\n');
}

interface FunctionTool {
  name: string;
  parameters: unknown;
}

function functionTool(tool: unknown): FunctionTool | undefined {
  if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function)) return undefined;
  const { name, parameters } = tool.function;
  return typeof name === 'string' ? { name, parameters } : undefined;
}

const findTool = (tools: readonly unknown[], name: string): FunctionTool | undefined =>
  tools.map(functionTool).find((tool) => tool?.name === name);

/** The function `tool_choice` forces: a named function, or the first tool for `required`. */
function forcedTool(choice: unknown, tools: readonly unknown[]): string | undefined {
  const first = (list: unknown): string | undefined =>
    Array.isArray(list) ? list.map(functionTool).find((tool) => tool !== undefined)?.name : undefined;
  if (choice === 'required') return first(tools);
  if (!isRecord(choice)) return undefined;
  if (choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return choice.function.name;
  }
  if (
    choice.type === 'allowed_tools' &&
    isRecord(choice.allowed_tools) &&
    choice.allowed_tools.mode === 'required'
  ) {
    return first(choice.allowed_tools.tools);
  }
  return undefined;
}
