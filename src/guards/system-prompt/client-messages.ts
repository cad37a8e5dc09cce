/**
 * Client-supplied system instructions, per wire format. On an app whose system prompt lives on the
 * server, these are the messages a client would use to override it: OpenAI `system` and `developer`
 * messages; Anthropic's top-level `system` and (API version 2026-10-21) `role: "system"` messages.
 */
import type { JsonObject, WireFormat } from '../../core/types.js';

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const CLIENT_SYSTEM_ROLES: Readonly<Record<WireFormat, ReadonlySet<string>>> = {
  openai: new Set(['system', 'developer']),
  anthropic: new Set(['system']),
};

const isSystemMessage = (wire: WireFormat, message: unknown): boolean =>
  isObject(message) && typeof message.role === 'string' && CLIENT_SYSTEM_ROLES[wire].has(message.role);

/** True when the body carries system instructions of the client's own. */
export function hasClientSystem(wire: WireFormat, body: JsonObject): boolean {
  if (wire === 'anthropic' && body.system !== undefined) return true;
  return Array.isArray(body.messages) && body.messages.some((message) => isSystemMessage(wire, message));
}

/**
 * A new body with the client's system instructions removed and the server's prompt in their place:
 * OpenAI gets it as the first message (role `system`), Anthropic as `system`. The input body is
 * not mutated (guards replace bodies, never edit them).
 */
export function withServerPrompt(wire: WireFormat, body: JsonObject, prompt: string): JsonObject {
  const messages = Array.isArray(body.messages)
    ? body.messages.filter((message) => !isSystemMessage(wire, message))
    : [];
  if (wire === 'openai') return { ...body, messages: [{ role: 'system', content: prompt }, ...messages] };
  return { ...body, system: prompt, messages };
}
