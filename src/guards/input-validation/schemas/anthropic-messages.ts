/**
 * Strict schema of an Anthropic Messages request (PROTOCOL-NOTES §0.2 and §5), one per API version.
 *
 * Version rules: 2026-10-21 rejects temperature/top_p/top_k (even at defaults) and adds
 * `role:"system"` messages; 2023-06-01 has the sampling fields and only user/assistant turns.
 * max_tokens is required by Anthropic, but optional here: Bastion injects the app's cap when a
 * client omits it. `container` and `mcp_servers` are refused before validation (refused-features).
 * `inference_geo` is refused as unknown: where inference runs (and what it costs) is the
 * operator's decision, not the client's.
 */
import { z } from 'zod';
import type { AnthropicVersion } from '../../../core/types.js';
import { modelName, nonNegativeInt, stopString } from './common.js';
import {
  cacheControl,
  messageContent,
  outputConfig,
  systemPrompt,
  textBlock,
  thinking,
  tool,
  toolChoice,
} from './anthropic-blocks.js';

const turn = (role: 'user' | 'assistant') =>
  z.strictObject({ role: z.literal(role), content: messageContent });
const systemTurn = z.strictObject({
  role: z.literal('system'),
  content: z.union([z.string(), z.array(textBlock)]),
});

/** Messages array per version: 2026-10-21 accepts system turns, 2023-06-01 does not. */
export const anthropicMessages = (version: AnthropicVersion) =>
  version === '2026-10-21'
    ? z.array(z.discriminatedUnion('role', [turn('user'), turn('assistant'), systemTurn])).min(1)
    : z.array(z.discriminatedUnion('role', [turn('user'), turn('assistant')])).min(1);

/** Sampling fields: valid in 2023-06-01; in 2026-10-21 any value is a 400 (invalid_request). */
const sampling = (version: AnthropicVersion) =>
  version === '2026-10-21'
    ? { temperature: z.never().optional(), top_p: z.never().optional(), top_k: z.never().optional() }
    : {
        temperature: z.number().min(0).max(1).optional(),
        top_p: z.number().min(0).max(1).optional(),
        top_k: z.number().int().min(0).optional(),
      };

const build = (version: AnthropicVersion) =>
  z.strictObject({
    model: modelName,
    messages: anthropicMessages(version),
    max_tokens: nonNegativeInt.optional(),
    system: systemPrompt.optional(),
    metadata: z.strictObject({ user_id: z.string().max(256).nullable().optional() }).optional(),
    stop_sequences: z.array(stopString).max(64).optional(),
    stream: z.boolean().optional(),
    tools: z.array(tool).optional(),
    tool_choice: toolChoice.optional(),
    thinking: thinking.optional(),
    service_tier: z.enum(['auto', 'standard_only']).optional(),
    speed: z.enum(['standard', 'fast']).optional(),
    cache_control: cacheControl,
    output_config: outputConfig.optional(),
    diagnostics: z.strictObject({ previous_message_id: z.string().max(256).optional() }).optional(),
    ...sampling(version),
  });

// Built once at startup, one per supported version.
const SCHEMAS = { '2023-06-01': build('2023-06-01'), '2026-10-21': build('2026-10-21') } as const;

export const anthropicMessagesSchema = (version: AnthropicVersion) => SCHEMAS[version];
