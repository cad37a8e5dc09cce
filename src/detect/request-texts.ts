/**
 * Every text-bearing field of a request, in both wire formats: system/developer/user/assistant
 * messages, tool results, tool-call arguments, tool descriptions and schemas, document blocks.
 * Attacks and unwanted content hide in any of them (indirect injection arrives in tool results and
 * documents). Shared by the injection and moderation guards, so both see exactly the same fields.
 */
import type { JsonObject } from '../core/types.js';

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function pushText(out: string[], value: unknown): void {
  if (typeof value === 'string') {
    if (value.trim() !== '') out.push(value);
  } else if (Array.isArray(value)) {
    for (const part of value) pushPart(out, part);
  }
}

/** A content part or block of either wire format. */
function pushPart(out: string[], part: unknown): void {
  if (typeof part === 'string') return pushText(out, part);
  if (!isObject(part)) return;
  pushText(out, part.text); // OpenAI text parts, Anthropic text blocks
  pushText(out, part.refusal);
  if (part.type === 'tool_result') pushText(out, part.content);
  if (part.type === 'tool_use' && part.input !== undefined) out.push(JSON.stringify(part.input));
  if (part.type === 'document' && isObject(part.source)) {
    if (part.source.type === 'text') pushText(out, part.source.data);
    if (part.source.type === 'content') pushText(out, part.source.content);
  }
  if (part.type === 'document') pushText(out, part.context);
  if (part.type === 'search_result') pushText(out, part.content);
}

function pushTools(out: string[], tools: unknown): void {
  if (!Array.isArray(tools)) return;
  for (const tool of tools) {
    if (!isObject(tool)) continue;
    const fn = isObject(tool.function) ? tool.function : isObject(tool.custom) ? tool.custom : tool;
    pushText(out, fn.description);
    const schema = fn.parameters ?? fn.input_schema;
    if (schema !== undefined) out.push(JSON.stringify(schema));
  }
}

export function requestTexts(body: JsonObject): string[] {
  const out: string[] = [];
  pushText(out, body.system); // Anthropic system: string or text blocks
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      if (!isObject(message)) continue;
      pushText(out, message.content);
      if (Array.isArray(message.tool_calls)) {
        for (const call of message.tool_calls) {
          if (!isObject(call)) continue;
          if (isObject(call.function)) pushText(out, call.function.arguments);
          if (isObject(call.custom)) pushText(out, call.custom.input);
        }
      }
      if (isObject(message.function_call)) pushText(out, message.function_call.arguments);
    }
  }
  pushTools(out, body.tools);
  pushTools(out, body.functions);
  return out;
}
