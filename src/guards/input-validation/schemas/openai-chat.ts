/**
 * Strict schema of an OpenAI Chat Completions request (PROTOCOL-NOTES §1, openai-openapi.yaml).
 * Unknown fields are refused rather than forwarded. Nothing in this API lets the client choose the
 * upstream host or credentials, so no field needs refusing beyond "unknown"; `base_url`, `api_key`
 * and friends fall under that (and are also checked explicitly in the guard).
 */
import { z } from 'zod';
import {
  description,
  freeObject,
  idString,
  modelName,
  NAME_MAX,
  nonNegativeInt,
  positiveInt,
  shortName,
  stopString,
} from './common.js';

/** Function and custom tool names: a-z, A-Z, 0-9, underscore and dash, at most 64. */
const functionName = z
  .string()
  .min(1)
  .max(NAME_MAX)
  .regex(/^[A-Za-z0-9_-]+$/);

const cacheBreakpoint = z.strictObject({ mode: z.literal('explicit') }).optional();

const textPart = z.strictObject({
  type: z.literal('text'),
  text: z.string(),
  prompt_cache_breakpoint: cacheBreakpoint,
});
const refusalPart = z.strictObject({ type: z.literal('refusal'), refusal: z.string() });
const imagePart = z.strictObject({
  type: z.literal('image_url'),
  image_url: z.strictObject({
    // http(s) URL or a data: URL; the provider fetches http(s) images itself (documented feature).
    url: z.string().regex(/^(https?:|data:)/i),
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
  prompt_cache_breakpoint: cacheBreakpoint,
});
const audioPart = z.strictObject({
  type: z.literal('input_audio'),
  input_audio: z.strictObject({ data: z.string(), format: z.enum(['wav', 'mp3']) }),
  prompt_cache_breakpoint: cacheBreakpoint,
});
const filePart = z.strictObject({
  type: z.literal('file'),
  file: z.strictObject({
    file_id: idString.optional(),
    file_data: z.string().optional(),
    filename: z.string().max(256).optional(),
  }),
  prompt_cache_breakpoint: cacheBreakpoint,
});

const textContent = z.union([z.string(), z.array(textPart)]);
const userPart = z.discriminatedUnion('type', [textPart, imagePart, audioPart, filePart]);
const assistantPart = z.discriminatedUnion('type', [textPart, refusalPart]);

const functionCall = z.strictObject({ name: functionName, arguments: z.string() });
const toolCall = z.discriminatedUnion('type', [
  z.strictObject({ id: idString, type: z.literal('function'), function: functionCall }),
  z.strictObject({
    id: idString,
    type: z.literal('custom'),
    custom: z.strictObject({ name: functionName, input: z.string() }),
  }),
]);

const message = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('developer'), content: textContent, name: shortName.optional() }),
  z.strictObject({ role: z.literal('system'), content: textContent, name: shortName.optional() }),
  z.strictObject({
    role: z.literal('user'),
    content: z.union([z.string(), z.array(userPart).min(1)]),
    name: shortName.optional(),
  }),
  z.strictObject({
    role: z.literal('assistant'),
    content: z.union([z.string(), z.array(assistantPart), z.null()]).optional(),
    name: shortName.optional(),
    refusal: z.string().nullable().optional(),
    tool_calls: z.array(toolCall).optional(),
    audio: z.strictObject({ id: idString }).nullable().optional(),
    function_call: functionCall.nullable().optional(),
  }),
  z.strictObject({ role: z.literal('tool'), content: textContent, tool_call_id: idString }),
  z.strictObject({ role: z.literal('function'), content: z.string().nullable(), name: functionName }),
]);

const functionDefinition = z.strictObject({
  name: functionName,
  description: description.optional(),
  parameters: freeObject.optional(),
  strict: z.boolean().nullable().optional(),
});

const tool = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('function'), function: functionDefinition }),
  z.strictObject({
    type: z.literal('custom'),
    custom: z.strictObject({
      name: functionName,
      description: description.optional(),
      format: z
        .discriminatedUnion('type', [
          z.strictObject({ type: z.literal('text') }),
          z.strictObject({
            type: z.literal('grammar'),
            grammar: z.strictObject({ definition: z.string(), syntax: z.enum(['lark', 'regex']) }),
          }),
        ])
        .optional(),
    }),
  }),
]);

const namedToolChoice = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('function'), function: z.strictObject({ name: functionName }) }),
  z.strictObject({ type: z.literal('custom'), custom: z.strictObject({ name: functionName }) }),
]);
const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  namedToolChoice,
  z.strictObject({
    type: z.literal('allowed_tools'),
    allowed_tools: z.strictObject({
      mode: z.enum(['auto', 'required']),
      tools: z.array(freeObject).max(128),
    }),
  }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    json_schema: z.strictObject({
      name: functionName,
      description: description.optional(),
      schema: freeObject.optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

/** OpenAI metadata: at most 16 pairs, keys up to 64 characters, values up to 512. */
const metadata = z
  .record(z.string().max(64), z.string().max(512))
  .refine((value) => Object.keys(value).length <= 16, { message: 'at most 16 metadata pairs' });

const webSearchOptions = z.strictObject({
  search_context_size: z.enum(['low', 'medium', 'high']).optional(),
  user_location: z
    .strictObject({
      type: z.literal('approximate'),
      approximate: z.strictObject({
        country: z.string().max(64).optional(),
        region: z.string().max(128).optional(),
        city: z.string().max(128).optional(),
        timezone: z.string().max(64).optional(),
      }),
    })
    .nullable()
    .optional(),
});

const penalty = z.number().min(-2).max(2).nullable().optional();

const requestObject = z.strictObject({
  model: modelName,
  messages: z.array(message).min(1),
  // sampling and output
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  frequency_penalty: penalty,
  presence_penalty: penalty,
  logit_bias: z
    .record(z.string().regex(/^\d{1,7}$/), z.number().min(-100).max(100))
    .nullable()
    .optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  stop: z
    .union([stopString, z.array(stopString).min(1).max(4)])
    .nullable()
    .optional(),
  seed: z.number().int().nullable().optional(),
  n: positiveInt.max(128).nullable().optional(),
  max_tokens: nonNegativeInt.nullable().optional(),
  max_completion_tokens: nonNegativeInt.nullable().optional(),
  response_format: responseFormat.optional(),
  reasoning_effort: z
    .enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])
    .nullable()
    .optional(),
  verbosity: z.enum(['low', 'medium', 'high']).nullable().optional(),
  modalities: z
    .array(z.enum(['text', 'audio']))
    .max(2)
    .nullable()
    .optional(),
  audio: z
    .strictObject({
      voice: z.union([z.string().min(1).max(64), z.strictObject({ id: idString })]),
      format: z.enum(['wav', 'aac', 'mp3', 'flac', 'opus', 'pcm16']),
    })
    .nullable()
    .optional(),
  prediction: z
    .strictObject({ type: z.literal('content'), content: textContent })
    .nullable()
    .optional(),
  // streaming
  stream: z.boolean().nullable().optional(),
  stream_options: z
    .strictObject({
      include_usage: z.boolean().optional(),
      include_obfuscation: z.boolean().optional(),
    })
    .nullable()
    .optional(),
  // tools
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  functions: z.array(functionDefinition).min(1).max(128).optional(),
  function_call: z.union([z.enum(['none', 'auto']), z.strictObject({ name: functionName })]).optional(),
  web_search_options: webSearchOptions.optional(),
  // identity, storage, caching, routing
  user: z.string().max(256).optional(),
  safety_identifier: z.string().max(64).optional(),
  prompt_cache_key: z.string().max(256).optional(),
  prompt_cache_retention: z.enum(['in_memory', '24h']).nullable().optional(),
  prompt_cache_options: z
    .strictObject({ ttl: z.string().max(16).optional(), mode: z.enum(['implicit', 'explicit']).optional() })
    .optional(),
  metadata: metadata.nullable().optional(),
  store: z.boolean().nullable().optional(),
  service_tier: z.enum(['auto', 'default', 'flex', 'scale', 'priority', 'fast']).nullable().optional(),
  moderation: z
    .strictObject({ model: z.string().max(128), policy: freeObject.nullable().optional() })
    .nullable()
    .optional(),
});

/** Cross-field rules from §1: stream_options needs stream:true; top_logprobs needs logprobs:true. */
export const openAIChatRequestSchema = requestObject.superRefine((body, ctx) => {
  if (body.stream_options != null && body.stream !== true) {
    ctx.addIssue({
      code: 'custom',
      path: ['stream_options'],
      message: 'stream_options requires stream: true',
    });
  }
  if (body.top_logprobs != null && body.logprobs !== true) {
    ctx.addIssue({ code: 'custom', path: ['top_logprobs'], message: 'top_logprobs requires logprobs: true' });
  }
  body.messages.forEach((message, index) => {
    if (message.role !== 'user' || typeof message.content === 'string') return;
    message.content.forEach((part, partIndex) => {
      if (part.type === 'file' && part.file.file_id === undefined && part.file.file_data === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['messages', index, 'content', partIndex, 'file'],
          message: 'file needs file_id or file_data',
        });
      }
    });
  });
});

export type OpenAIChatRequest = z.infer<typeof openAIChatRequestSchema>;
