/**
 * The bastion.yaml schema. Every object is strict (a misspelt option is an error, not a silent
 * default) and every default is the safe one. Cross-field rules live in the final superRefine.
 */
import { z } from 'zod';
import type { ProviderName } from '../core/types.js';
import {
  alertsSchema,
  budgetSchema,
  budgetsSchema,
  endUserSchema,
  injectionSchema,
  jwtSchema,
  pricingSchema,
  rateLimitsSchema,
  storesSchema,
  trustedProxiesSchema,
} from './controls-schema.js';
import { parseSecretRef, SecretRefError } from './secret-ref.js';
import {
  checkContentControls,
  contentProfilesSchema,
  filtersSchema,
  moderationSchema,
} from './moderation-schema.js';
import { systemPromptSchema } from './system-prompt-schema.js';
import { outputSchema } from './output-schema.js';
import { secretsSchema } from './secrets-schema.js';

export const ENVIRONMENTS = ['production', 'staging', 'development'] as const;
export const PROVIDERS = ['openai', 'anthropic'] as const satisfies readonly ProviderName[];

const ID_PATTERN = /^[a-z0-9_-]{1,64}$/;
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const intIn = (min: number, max: number) =>
  z
    .number({ error: 'expected a number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

// Names that collide with Object.prototype would make `apps[id]` lookups lie.
const RESERVED_IDS = new Set(['__proto__', 'constructor', 'prototype']);

const idSchema = (what: string) =>
  z
    .string()
    .regex(ID_PATTERN, { error: `${what} must be 1-64 characters of a-z, 0-9, "-" or "_"` })
    .refine((id) => !RESERVED_IDS.has(id), {
      error: `${what} must not be __proto__, constructor or prototype`,
    });

const environmentSchema = z.enum(ENVIRONMENTS, {
  error: 'expected one of: production, staging, development',
});

/** A secret reference, parsed. The raw string is never echoed in an error. */
export const secretRefSchema = z
  .string({ error: 'expected a secret reference such as env:NAME' })
  .transform((text, ctx) => {
    try {
      return parseSecretRef(text);
    } catch (error) {
      if (!(error instanceof SecretRefError)) throw error;
      ctx.issues.push({ code: 'custom', message: error.message, input: undefined });
      return z.NEVER;
    }
  });

/** https only, except to loopback (the fake provider, a local sidecar). No credentials or fragments. */
const baseUrlSchema = z.string({ error: 'expected a URL string' }).transform((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.issues.push({
      code: 'custom',
      message: 'expected an absolute URL such as https://api.openai.com/v1',
      input: undefined,
    });
    return z.NEVER;
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  const problem =
    url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)
      ? 'must use https:// (plain http:// is allowed only for 127.0.0.1, localhost or [::1])'
      : url.username !== '' || url.password !== ''
        ? 'must not contain credentials; provider keys belong in keys[].secret'
        : url.search !== '' || url.hash !== ''
          ? 'must not contain a query string or fragment'
          : undefined;
  if (problem !== undefined) {
    ctx.issues.push({ code: 'custom', message: problem, input: undefined });
    return z.NEVER;
  }
  // Stored without a trailing slash so adapters can append `/chat/completions` or `/v1/messages`.
  return url.href.replace(/\/+$/, '');
});

const providerKeySchema = z.strictObject({
  id: idSchema('key id'),
  secret: secretRefSchema,
  environment: environmentSchema.optional(),
});

const keyRingSchema = z
  .array(providerKeySchema, { error: 'expected a list of keys' })
  .min(1, { error: 'needs at least one key, e.g. [{ id: primary, secret: env:OPENAI_API_KEY }]' })
  .superRefine((keys, ctx) => {
    const seen = new Set<string>();
    keys.forEach((key, index) => {
      if (seen.has(key.id))
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate key id "${key.id}"` });
      seen.add(key.id);
    });
  });

const openaiSchema = z.strictObject({
  baseUrl: baseUrlSchema.default('https://api.openai.com/v1'),
  timeoutMs: intIn(1, 3_600_000).default(600_000),
  keys: keyRingSchema,
});

const anthropicSchema = z.strictObject({
  baseUrl: baseUrlSchema.default('https://api.anthropic.com'),
  timeoutMs: intIn(1, 3_600_000).default(600_000),
  keys: keyRingSchema,
  tokenCounting: z
    .enum(['estimate', 'count_tokens'], { error: 'expected estimate or count_tokens' })
    .default('estimate'),
});

const modelNameSchema = z.string({ error: 'expected a model name' }).regex(MODEL_NAME_PATTERN, {
  error: 'a model name is 1-128 characters of letters, digits, ".", "_", ":" or "-" (no slashes or URLs)',
});

/** Infers the provider from the name when the entry is a bare string: claude-* is Anthropic, the rest OpenAI. */
export const inferProvider = (model: string): ProviderName =>
  model.startsWith('claude-') ? 'anthropic' : 'openai';

const modelEntrySchema = z
  .union(
    [
      modelNameSchema,
      z.strictObject({
        name: modelNameSchema,
        provider: z.enum(PROVIDERS, { error: 'expected openai or anthropic' }),
      }),
    ],
    {
      error: 'expected a model name or { name, provider }',
    },
  )
  .transform((entry) =>
    typeof entry === 'string' ? { name: entry, provider: inferProvider(entry) } : entry,
  );

const appSchema = z.strictObject({
  models: z
    .array(modelEntrySchema, { error: 'expected a list of model names' })
    .min(1, { error: 'needs at least one allowed model' })
    .superRefine((models, ctx) => {
      const seen = new Set<string>();
      models.forEach((model, index) => {
        if (seen.has(model.name))
          ctx.addIssue({ code: 'custom', path: [index], message: `duplicate model "${model.name}"` });
        seen.add(model.name);
      });
    }),
  maxInputTokens: intIn(1, 10_000_000).default(8000),
  maxOutputTokens: intIn(1, 1_000_000).default(1024),
  outputCapPolicy: z.enum(['clamp', 'reject'], { error: 'expected clamp or reject' }).default('clamp'),
  maxChoices: intIn(1, 128).default(1),
  maxMessages: intIn(1, 100_000).default(100),
  maxTools: intIn(0, 1024).default(32),
  rateLimits: rateLimitsSchema,
  injection: injectionSchema,
  systemPrompt: systemPromptSchema,
  output: outputSchema,
  budget: budgetSchema,
  endUser: endUserSchema,
  moderation: moderationSchema,
  filters: filtersSchema,
});

export const configSchema = z
  .strictObject({
    environment: environmentSchema,
    server: z
      .strictObject({
        host: z
          .string()
          .regex(/^[A-Za-z0-9.:[\]-]{1,253}$/, { error: 'expected a hostname or IP address, e.g. 127.0.0.1' })
          .default('127.0.0.1'),
        port: intIn(0, 65_535).default(8080),
        /** Proxies whose X-Forwarded-For is believed when deriving the client IP. */
        trustedProxies: trustedProxiesSchema,
        /** When set, GET /metrics requires `Authorization: Bearer <token>` (a secret reference). */
        metricsToken: secretRefSchema.optional(),
      })
      .prefault({}),
    limits: z
      .strictObject({
        maxBodyBytes: intIn(1024, 100 * 1024 * 1024).default(1024 * 1024),
        maxJsonDepth: intIn(1, 1000).default(32),
        // Node's own parser stops at 64 KiB; ours must be below it to answer in wire format.
        maxHeaderBytes: intIn(1024, 60 * 1024).default(16 * 1024),
        requestTimeoutMs: intIn(1, 24 * 3_600_000).default(600_000),
      })
      .prefault({}),
    providers: z.strictObject(
      { openai: openaiSchema.optional(), anthropic: anthropicSchema.optional() },
      { error: 'expected a providers block with openai and/or anthropic' },
    ),
    apps: z
      .record(idSchema('app id'), appSchema, { error: 'expected a map of app id to app settings' })
      .refine((apps) => Object.keys(apps).length > 0, {
        error: 'needs at least one app, e.g. apps: { default: { models: [gpt-4o-mini] } }',
      }),
    audit: z
      .strictObject({
        stdout: z.boolean({ error: 'expected true or false' }).default(true),
        file: z.string().min(1, { error: 'expected a file path or null' }).nullable().default(null),
        pseudonymKey: secretRefSchema.optional(),
      })
      .prefault({}),
    auth: z.strictObject({ jwt: jwtSchema(secretRefSchema).optional() }).prefault({}),
    budgets: budgetsSchema,
    stores: storesSchema(secretRefSchema),
    alerts: alertsSchema(secretRefSchema),
    secrets: secretsSchema,
    pricing: pricingSchema,
    contentProfiles: contentProfilesSchema,
    storage: z
      .strictObject({
        sqlitePath: z.string().min(1, { error: 'expected a file path' }).default('./.bastion/bastion.db'),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const configured = PROVIDERS.filter((name) => config.providers[name] !== undefined);
    if (configured.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['providers'],
        message: 'configure at least one provider (openai or anthropic)',
      });
    }
    for (const name of configured) {
      config.providers[name]?.keys.forEach((key, index) => {
        if (key.environment !== undefined && key.environment !== config.environment) {
          ctx.addIssue({
            code: 'custom',
            path: ['providers', name, 'keys', index, 'environment'],
            message: `key "${key.id}" is bound to ${key.environment} but this config is for ${config.environment}; use a key issued for ${config.environment}`,
          });
        }
      });
    }
    for (const [appId, app] of Object.entries(config.apps)) {
      // A token limit below the largest admissible request would refuse that request forever with a
      // retryable 429; catch it here instead.
      const largestRequest = app.maxInputTokens + app.maxOutputTokens * app.maxChoices;
      const { perModel, ...scopes } = app.rateLimits;
      const tokenLimits = [
        ...Object.entries(scopes).map(([scope, limit]) => [scope, limit] as const),
        ...Object.entries(perModel ?? {}).map(([model, limit]) => [`perModel.${model}`, limit] as const),
      ];
      for (const [scope, limit] of tokenLimits) {
        if (typeof limit !== 'object' || limit.tokens === undefined) continue;
        if (limit.tokens.limit < largestRequest) {
          ctx.addIssue({
            code: 'custom',
            path: ['apps', appId, 'rateLimits', ...scope.split('.'), 'tokens', 'limit'],
            message: `must be at least maxInputTokens + maxOutputTokens x maxChoices (${largestRequest}), or the largest allowed request could never be admitted`,
          });
        }
      }
      app.models.forEach((model, index) => {
        if (config.providers[model.provider] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['apps', appId, 'models', index],
            message: `model "${model.name}" is served by ${model.provider}, but providers.${model.provider} is not configured`,
          });
        }
      });
    }
    checkContentControls(config, ctx);
    if (config.environment !== 'development' && config.audit.pseudonymKey === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['audit', 'pseudonymKey'],
        message: `is required in ${config.environment}: set it to a secret reference such as env:BASTION_PSEUDONYM_KEY`,
      });
    }
  });

/** The validated config with defaults applied. Deep-frozen by the loader. */
export type BastionConfig = z.output<typeof configSchema>;
export type ProviderConfig = NonNullable<BastionConfig['providers'][ProviderName]>;
export type ProviderKeyConfig = ProviderConfig['keys'][number];
export type AppConfig = BastionConfig['apps'][string];
