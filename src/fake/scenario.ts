import type { Scenario } from './types.js';

/**
 * Scenarios scripted from the prompt, for offline developers who cannot call `enqueue` through
 * Bastion: the last user message may contain `[[fake:status=500]]`, `[[fake:cut=3]]`,
 * `[[fake:error=2]]`, `[[fake:stall]]`, `[[fake:tool=NAME]]`, `[[fake:echo_system]]` or
 * `[[fake:canary=base64]]` (also `plain`, `hex`).
 */

/** A tool call from a `[[fake:tool=NAME]]` directive has no arguments; they come from the tool's schema. */
export type ResolvedScenario = Scenario | { kind: 'tool_named'; name: string };

const MARKER = '[[fake:';
const DIRECTIVE = /\[\[fake:([a-z_]{1,20})(?:=([A-Za-z0-9_.:-]{1,64}))?\]\]/;

const toCount = (value: string | undefined): number | undefined => {
  if (value === undefined || !/^\d{1,6}$/.test(value)) return undefined;
  return Number(value);
};

/** The scenario a prompt asks for, or undefined (also for unknown or malformed directives). */
export function parseDirective(text: string): ResolvedScenario | undefined {
  if (!text.includes(MARKER)) return undefined;
  const match = DIRECTIVE.exec(text);
  if (match === null) return undefined;
  const [, name, value] = match;
  const count = toCount(value);
  switch (name) {
    case 'status':
      return count !== undefined && count >= 400 && count <= 599
        ? { kind: 'status', status: count }
        : undefined;
    case 'cut':
      return count !== undefined ? { kind: 'cut', afterEvents: count } : undefined;
    case 'error':
      return count !== undefined ? { kind: 'midstream_error', afterEvents: count } : undefined;
    case 'stall':
      return { kind: 'stall' };
    case 'echo_system':
      return { kind: 'echo_system' };
    case 'canary':
      return value === 'plain' || value === 'base64' || value === 'hex'
        ? { kind: 'leak_canary', encoding: value }
        : undefined;
    case 'tool':
      return value !== undefined ? { kind: 'tool_named', name: value } : undefined;
    default:
      return undefined;
  }
}

/** True when the text asks the moderation endpoint to flag it. */
export const hasFlagDirective = (text: string): boolean => text.includes('[[fake:flag]]');

/** Concatenated text of a message `content`: a string or an array of `{type:'text', text}` parts/blocks. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') {
      text = text === '' ? part.text : `${text}\n${part.text}`;
    }
  }
  return text;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Text of the last message with role `user`, or '' when there is none. */
export function lastUserText(messages: readonly unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (isRecord(message) && message.role === 'user') return contentText(message.content);
  }
  return '';
}
