import type { AppPolicy } from '../../../../src/core/policy.js';
import type {
  AnthropicVersion,
  GatewayRequest,
  JsonObject,
  Operation,
  Principal,
  ProviderName,
} from '../../../../src/core/types.js';
import { newContext, type RequestContext } from '../../../../src/pipeline/context.js';
import { defaultContentPolicies } from '../../../helpers/fixtures.js';
import { defaultOutputPolicy, gatewayRequest } from '../../../helpers/fixtures.js';

export const app = (overrides: Partial<AppPolicy> = {}): AppPolicy => ({
  id: 'app1',
  models: new Map<string, ProviderName>([
    ['gpt-4o-mini', 'openai'],
    ['gpt-4o', 'openai'],
    ['gpt-4', 'openai'],
    ['claude-sonnet-4-5', 'anthropic'],
    ['claude-haiku-4-5', 'anthropic'],
  ]),
  maxInputTokens: 10_000,
  maxOutputTokens: 1000,
  outputCapPolicy: 'clamp',
  maxChoices: 2,
  maxMessages: 10,
  maxTools: 3,
  anthropicTokenCounting: 'estimate',
  rateLimits: {},
  budget: undefined,
  endUser: { trustHeader: false, required: false },
  injection: { action: 'off', threshold: 0.5 },
  ...defaultContentPolicies(),
  output: defaultOutputPolicy(),
  ...overrides,
});

export const principal = (models: readonly string[] | null = null): Principal => ({
  keyId: 'key1',
  appId: 'app1',
  models,
  endUserId: undefined,
});

export interface CtxOptions {
  version?: AnthropicVersion;
  app?: AppPolicy | undefined;
  principal?: Principal | undefined;
}

export const ctxFor = (operation: Operation, body: JsonObject, opts: CtxOptions = {}): RequestContext => {
  const request: GatewayRequest = gatewayRequest({
    id: 'req_1',
    operation,
    body,
    model: 'guess',
    anthropicVersion: operation === 'openai.chat' ? undefined : (opts.version ?? '2023-06-01'),
  });
  const ctx = newContext(request);
  ctx.app = 'app' in opts ? opts.app : app();
  ctx.principal = 'principal' in opts ? opts.principal : principal();
  return ctx;
};

export const chat = (extra: JsonObject = {}): JsonObject => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hello world' }],
  ...extra,
});

export const claude = (extra: JsonObject = {}): JsonObject => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'hello world' }],
  ...extra,
});
