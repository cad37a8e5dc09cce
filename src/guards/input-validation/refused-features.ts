/**
 * Fields and features refused with `unsupported_field` before schema validation, each for a stated
 * reason. They would be refused as unknown anyway (the schemas do not model them); checking them
 * explicitly keeps the reason next to the rule and makes the refusal independent of schema edits.
 */
import type { JsonObject, Operation } from '../../core/types.js';

/**
 * Top-level keys that look like upstream steering or credentials (base_url, api_base, api_key,
 * host, endpoint, ...). Bastion alone chooses the upstream and its key (design principle 4).
 */
const STEERING_KEY =
  /^(?:base_?url|api_?base|api_?key|host(?:name)?|endpoint|url|proxy|organi[sz]ation|project)$/i;

/**
 * Anthropic top-level fields:
 * - mcp_servers: makes Anthropic connect to client-named MCP servers (arbitrary URLs, with
 *   client-supplied tokens) on our account.
 * - container: reuses a code-execution container by id, i.e. state (files) that may belong to
 *   another tenant of this gateway's Anthropic account.
 */
const ANTHROPIC_REFUSED_FIELDS = new Set(['mcp_servers', 'container']);

/**
 * Anthropic tool types: web_fetch_* makes Anthropic fetch arbitrary URLs named in the
 * conversation on our account (an SSRF-like exfiltration channel driven by prompt injection);
 * mcp_* (mcp_toolset) drives MCP servers as above.
 */
const REFUSED_TOOL_TYPE = /^(?:web_fetch_|mcp_)/;

/** History blocks produced by the refused tools cannot be replayed either. */
const REFUSED_BLOCK_TYPE = /^(?:web_fetch_tool_result|mcp_tool_use|mcp_tool_result)$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Returns the param (field path) of the first refused feature, or undefined. */
export const findRefusedFeature = (operation: Operation, body: JsonObject): string | undefined => {
  for (const key of Object.keys(body)) {
    if (STEERING_KEY.test(key)) return key;
  }
  if (operation === 'openai.chat') return undefined;
  for (const key of Object.keys(body)) {
    if (ANTHROPIC_REFUSED_FIELDS.has(key)) return key;
  }
  if (Array.isArray(body.tools)) {
    for (let i = 0; i < body.tools.length; i++) {
      const tool: unknown = body.tools[i];
      if (isRecord(tool) && typeof tool.type === 'string' && REFUSED_TOOL_TYPE.test(tool.type)) {
        return `tools[${i}].type`;
      }
    }
  }
  if (Array.isArray(body.messages)) {
    for (let i = 0; i < body.messages.length; i++) {
      const message: unknown = body.messages[i];
      if (!isRecord(message) || !Array.isArray(message.content)) continue;
      for (let j = 0; j < message.content.length; j++) {
        const block: unknown = message.content[j];
        if (isRecord(block) && typeof block.type === 'string' && REFUSED_BLOCK_TYPE.test(block.type)) {
          return `messages[${i}].content[${j}].type`;
        }
      }
    }
  }
  return undefined;
};
