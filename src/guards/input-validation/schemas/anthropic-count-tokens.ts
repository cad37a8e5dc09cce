/**
 * Strict schema of `POST /v1/messages/count_tokens` (PROTOCOL-NOTES §5 "Token counting"):
 * `{model, messages, system?, tools?, tool_choice?, thinking?, output_config?, cache_control?}`.
 * No max_tokens, no sampling fields, no stream. Version rules for message roles as in messages.
 */
import { z } from 'zod';
import type { AnthropicVersion } from '../../../core/types.js';
import { modelName } from './common.js';
import { cacheControl, outputConfig, systemPrompt, thinking, tool, toolChoice } from './anthropic-blocks.js';
import { anthropicMessages } from './anthropic-messages.js';

const build = (version: AnthropicVersion) =>
  z.strictObject({
    model: modelName,
    messages: anthropicMessages(version),
    system: systemPrompt.optional(),
    tools: z.array(tool).optional(),
    tool_choice: toolChoice.optional(),
    thinking: thinking.optional(),
    output_config: outputConfig.optional(),
    cache_control: cacheControl,
  });

const SCHEMAS = { '2023-06-01': build('2023-06-01'), '2026-10-21': build('2026-10-21') } as const;

export const anthropicCountTokensSchema = (version: AnthropicVersion) => SCHEMAS[version];
