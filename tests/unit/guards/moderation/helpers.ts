/**
 * The moderation guards under test talk to the real fake provider through the real OpenAI
 * moderation client (HTTP, egress allowlist, response validation), wrapped only to count calls.
 */
import { startFakeProvider, type FakeProvider } from '../../../../src/fake/index.js';
import type {
  ContentHit,
  ModerationPort,
  ModerationUnavailable,
} from '../../../../src/guards/moderation/index.js';
import type { ModerationPolicy, FilterPolicy } from '../../../../src/core/policy.js';
import type { JsonObject, Operation, Principal } from '../../../../src/core/types.js';
import { newContext, type RequestContext } from '../../../../src/pipeline/context.js';
import { createOpenAIModeration } from '../../../../src/providers/openai/moderation.js';
import { createUpstreamClient, type UpstreamClient } from '../../../../src/providers/shared/http-client.js';
import { appPolicy, defaultContentPolicies, gatewayRequest } from '../../../helpers/fixtures.js';

export const FAKE_KEY = 'sk-proj-guardmoderationtests0001';

export interface Harness {
  readonly fake: FakeProvider;
  readonly port: ModerationPort;
  /** Inputs of every moderation call, in order. */
  readonly calls: (readonly string[])[];
  readonly hits: ContentHit[];
  readonly unavailable: ModerationUnavailable[];
  readonly hooks: {
    moderation: ModerationPort;
    pseudonymize: (id: string) => string;
    onHit: (hit: ContentHit) => void;
    onUnavailable: (event: ModerationUnavailable) => void;
  };
  reset(): void;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const fake = await startFakeProvider({ keys: [FAKE_KEY] });
  const client: UpstreamClient = createUpstreamClient({
    allowedOrigins: [fake.url],
    connectTimeoutMs: 2_000,
    headersTimeoutMs: 10_000,
    bodyTimeoutMs: 10_000,
  });
  const moderation = createOpenAIModeration({ baseUrl: `${fake.url}/v1`, client });
  const calls: (readonly string[])[] = [];
  const hits: ContentHit[] = [];
  const unavailable: ModerationUnavailable[] = [];
  const port: ModerationPort = {
    moderate(inputs, options) {
      calls.push(inputs);
      return moderation.moderate({
        inputs,
        model: options.model,
        credential: { id: 'openai-primary', value: FAKE_KEY },
        signal: options.signal,
      });
    },
  };
  return {
    fake,
    port,
    calls,
    hits,
    unavailable,
    hooks: {
      moderation: port,
      pseudonymize: (id) => `u_${id.length}${id.slice(0, 2)}`,
      onHit: (hit) => hits.push(hit),
      onUnavailable: (event) => unavailable.push(event),
    },
    reset() {
      fake.reset();
      calls.length = 0;
      hits.length = 0;
      unavailable.length = 0;
    },
    async close() {
      await client.close();
      await fake.close();
    },
  };
}

export function moderationPolicy(overrides: Partial<ModerationPolicy> = {}): ModerationPolicy {
  return { ...defaultContentPolicies().moderation, ...overrides };
}

export function filterPolicy(overrides: Partial<FilterPolicy> = {}): FilterPolicy {
  return { ...defaultContentPolicies().filters, ...overrides };
}

export function context(options: {
  moderation?: Partial<ModerationPolicy>;
  filters?: Partial<FilterPolicy>;
  body?: JsonObject;
  operation?: Operation;
  endUserId?: string;
}): RequestContext {
  const ctx = newContext(
    gatewayRequest({
      ...(options.operation && { operation: options.operation }),
      body: options.body ?? { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] },
    }),
  );
  ctx.app = appPolicy({
    id: 'app1',
    moderation: moderationPolicy(options.moderation),
    filters: filterPolicy(options.filters),
  });
  const principal: Principal = { keyId: 'key_1', appId: 'app1', models: null, endUserId: options.endUserId };
  ctx.principal = principal;
  return ctx;
}

export const userBody = (...contents: string[]): JsonObject => ({
  model: 'gpt-4o-mini',
  messages: contents.map((content) => ({ role: 'user', content })),
});
