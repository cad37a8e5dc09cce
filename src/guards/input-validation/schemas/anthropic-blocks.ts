/**
 * Strict schemas of Anthropic request content blocks, system prompts, tools and options
 * (PROTOCOL-NOTES §5, anthropic-openapi.stainless-20260506.json), shared by the messages and
 * count_tokens schemas. Refused features (MCP, web fetch, containers) are not modelled here: the
 * guard refuses them explicitly before schema validation (see refused-features.ts).
 */
import { z } from 'zod';
import { description, freeObject, idString, shortName } from './common.js';

export const cacheControl = z
  .strictObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() })
  .nullable()
  .optional();

const citationsConfig = z.strictObject({ enabled: z.boolean().optional() });
const caller = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('direct') }),
    z.strictObject({ type: z.literal('code_execution_20250825'), tool_id: idString }),
    z.strictObject({ type: z.literal('code_execution_20260120'), tool_id: idString }),
  ])
  .optional();

const toolUseId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[a-zA-Z0-9_-]+$/);

export const textBlock = z.strictObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control: cacheControl,
  citations: z.array(freeObject).max(1024).nullable().optional(),
});

const imageBlock = z.strictObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('base64'),
      media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']),
      data: z.string(),
    }),
    // The provider fetches URL images itself: a documented feature, kept; only https/http URLs.
    z.strictObject({
      type: z.literal('url'),
      url: z
        .string()
        .max(2048)
        .regex(/^https?:\/\//i),
    }),
    z.strictObject({ type: z.literal('file'), file_id: idString }),
  ]),
  cache_control: cacheControl,
});

const searchResultBlock = z.strictObject({
  type: z.literal('search_result'),
  source: z.string().max(2048),
  title: z.string().max(2048),
  content: z.array(textBlock),
  citations: citationsConfig.optional(),
  cache_control: cacheControl,
});

const documentBlock = z.strictObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: z.string() }),
    z.strictObject({ type: z.literal('text'), media_type: z.literal('text/plain'), data: z.string() }),
    z.strictObject({
      type: z.literal('content'),
      content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock]))]),
    }),
    z.strictObject({
      type: z.literal('url'),
      url: z
        .string()
        .max(2048)
        .regex(/^https?:\/\//i),
    }),
    z.strictObject({ type: z.literal('file'), file_id: idString }),
  ]),
  title: z.string().max(500).nullable().optional(),
  context: z.string().nullable().optional(),
  citations: citationsConfig.nullable().optional(),
  cache_control: cacheControl,
});

const toolReferenceBlock = z.strictObject({
  type: z.literal('tool_reference'),
  tool_name: z
    .string()
    .max(256)
    .regex(/^[a-zA-Z0-9_-]{1,256}$/),
  cache_control: cacheControl,
});

const toolResultBlock = z.strictObject({
  type: z.literal('tool_result'),
  tool_use_id: toolUseId,
  content: z
    .union([
      z.string(),
      z.array(
        z.discriminatedUnion('type', [
          textBlock,
          imageBlock,
          searchResultBlock,
          documentBlock,
          toolReferenceBlock,
        ]),
      ),
    ])
    .optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});

/** Server-tool calls and results from earlier turns, passed back as the API returned them. */
const serverToolUseBlock = z.strictObject({
  type: z.literal('server_tool_use'),
  id: z
    .string()
    .max(256)
    .regex(/^srvtoolu_[a-zA-Z0-9_]+$/),
  name: z.enum([
    'web_search',
    'code_execution',
    'bash_code_execution',
    'text_editor_code_execution',
    'tool_search_tool_regex',
    'tool_search_tool_bm25',
  ]),
  input: freeObject,
  cache_control: cacheControl,
  caller,
});
const serverToolResult = <T extends string>(type: T) =>
  z.strictObject({
    type: z.literal(type),
    tool_use_id: z
      .string()
      .max(256)
      .regex(/^srvtoolu_[a-zA-Z0-9_]+$/),
    // Result payloads are provider-generated and versioned; forwarded as given.
    content: z.union([z.array(z.unknown()), freeObject]),
    cache_control: cacheControl,
    caller,
  });

export const contentBlock = z.discriminatedUnion('type', [
  textBlock,
  imageBlock,
  documentBlock,
  searchResultBlock,
  toolReferenceBlock,
  z.strictObject({
    type: z.literal('tool_use'),
    id: toolUseId,
    name: z.string().min(1).max(200),
    input: freeObject,
    cache_control: cacheControl,
    caller,
  }),
  toolResultBlock,
  // Thinking blocks must go back unmodified (signature-checked by the provider).
  z.strictObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
  z.strictObject({ type: z.literal('redacted_thinking'), data: z.string() }),
  serverToolUseBlock,
  serverToolResult('web_search_tool_result'),
  serverToolResult('code_execution_tool_result'),
  serverToolResult('bash_code_execution_tool_result'),
  serverToolResult('text_editor_code_execution_tool_result'),
  serverToolResult('tool_search_tool_result'),
]);

export const messageContent = z.union([z.string(), z.array(contentBlock)]);
export const systemPrompt = z.union([z.string(), z.array(textBlock)]);

/** Custom tool names: the API allows ^[a-zA-Z0-9_-]{1,128}$. */
const toolName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-zA-Z0-9_-]+$/);
const toolCommon = {
  cache_control: cacheControl,
  strict: z.boolean().optional(),
  defer_loading: z.boolean().optional(),
  allowed_callers: z.array(z.string().max(64)).max(16).optional(),
  input_examples: z.array(freeObject).max(64).optional(),
};

const customTool = z.strictObject({
  type: z.literal('custom').nullable().optional(),
  name: toolName,
  description: description.optional(),
  input_schema: z.looseObject({ type: z.literal('object') }),
  eager_input_streaming: z.boolean().nullable().optional(),
  ...toolCommon,
});

/**
 * Versioned server/client tools we forward. web_fetch_* and mcp_* are absent on purpose (refused
 * before validation); web_search stays: it queries a search engine, it does not fetch client URLs.
 */
const SERVER_TOOL_TYPE =
  /^(?:bash|code_execution|memory|text_editor|web_search|computer|tool_search_tool_(?:regex|bm25))_\d{8}$/;
const serverTool = z.strictObject({
  type: z.string().max(64).regex(SERVER_TOOL_TYPE),
  name: shortName,
  max_uses: z.number().int().min(1).nullable().optional(),
  max_characters: z.number().int().min(1).nullable().optional(),
  allowed_domains: z.array(z.string().max(253)).max(256).nullable().optional(),
  blocked_domains: z.array(z.string().max(253)).max(256).nullable().optional(),
  user_location: z
    .strictObject({
      type: z.literal('approximate'),
      city: z.string().max(255).nullable().optional(),
      country: z.string().max(2).nullable().optional(),
      region: z.string().max(255).nullable().optional(),
      timezone: z.string().max(255).nullable().optional(),
    })
    .nullable()
    .optional(),
  display_width_px: z.number().int().min(1).optional(),
  display_height_px: z.number().int().min(1).optional(),
  display_number: z.number().int().min(0).nullable().optional(),
  enable_zoom: z.boolean().optional(),
  ...toolCommon,
});

export const tool = z.union([customTool, serverTool]);

export const toolChoice = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('tool'),
    name: toolName,
    disable_parallel_tool_use: z.boolean().optional(),
  }),
]);

const thinkingDisplay = z.enum(['summarized', 'omitted']).nullable().optional();
export const thinking = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('enabled'),
    budget_tokens: z.number().int().min(1024),
    display: thinkingDisplay,
  }),
  z.strictObject({ type: z.literal('adaptive'), display: thinkingDisplay }),
  z.strictObject({ type: z.literal('disabled') }),
]);

export const outputConfig = z.strictObject({
  effort: z.enum(['low', 'medium', 'high', 'xhigh', 'max']).nullable().optional(),
  format: z
    .strictObject({ type: z.literal('json_schema'), schema: freeObject })
    .nullable()
    .optional(),
});
