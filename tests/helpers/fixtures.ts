/** Builders for the domain objects unit tests construct by hand, with safe defaults. */
import type { AppPolicy, OutputPolicy } from '../../src/core/policy.js';
import { outputSchema } from '../../src/config/output-schema.js';
import type { GatewayRequest, Operation } from '../../src/core/types.js';
import { OPERATION_WIRE } from '../../src/core/types.js';

export function gatewayRequest(
  overrides: Partial<GatewayRequest> & { operation?: Operation } = {},
): GatewayRequest {
  const operation = overrides.operation ?? 'openai.chat';
  return {
    id: 'req_test',
    operation,
    wire: OPERATION_WIRE[operation],
    receivedAt: 0,
    body: {},
    model: 'gpt-4o-mini',
    stream: false,
    anthropicVersion: undefined,
    anthropicBeta: undefined,
    credential: undefined,
    userToken: undefined,
    endUserHeader: undefined,
    clientIp: '127.0.0.1',
    routeApp: undefined,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Moderation and content filters as an app gets them when its config says nothing (all off). */
export const defaultContentPolicies = (): Pick<AppPolicy, 'moderation' | 'filters'> => ({
  moderation: {
    input: false,
    output: false,
    model: 'omni-moderation-latest',
    timeoutMs: 2_000,
    onError: 'block',
    thresholds: {},
    outputWindowChars: 1_000,
  },
  filters: { keywords: [], regexes: [], profiles: [], applyTo: 'both' },
});

export function appPolicy(overrides: Partial<AppPolicy> = {}): AppPolicy {
  return {
    id: 'a',
    models: new Map([['gpt-4o-mini', 'openai']]),
    maxInputTokens: 1000,
    maxOutputTokens: 100,
    outputCapPolicy: 'clamp',
    maxChoices: 1,
    maxMessages: 10,
    maxTools: 10,
    anthropicTokenCounting: 'estimate',
    rateLimits: {},
    budget: undefined,
    endUser: { trustHeader: false, required: false },
    injection: { action: 'off', threshold: 0.5 },
    ...defaultContentPolicies(),
    output: defaultOutputPolicy(),
    ...overrides,
  };
}

/** The output policy an app gets when its config says nothing (the schema's defaults). */
export const defaultOutputPolicy = (): OutputPolicy => {
  const parsed = outputSchema.parse({});
  return { ...parsed, policyModule: parsed.policyModule };
};
