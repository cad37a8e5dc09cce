/**
 * Part of the composition root: moderation and content filters. Builds the moderation port from
 * OpenAI's moderation endpoint (the OpenAI provider's shared upstream client and key ring), the
 * per-user hit counter, and the `moderation` request guard and `moderation-output` output guard.
 */
import type { BastionConfig } from './config/schema.js';
import { buildAppPolicies } from './config/policies.js';
import type { Clock } from './core/clock.js';
import { isGatewayError } from './core/errors.js';
import { GatewayError } from './core/errors.js';
import { compileFilters } from './detect/content-filters/compile.js';
import type { CredentialPool } from './engine/types.js';
import { createModerationGuard, createModerationOutputGuard } from './guards/moderation/index.js';
import type { ModerationPort, ModerationUnavailable } from './guards/moderation/index.js';
import { ContentHitCounter } from './monitor/content-hits.js';
import type { ContentHitAlert } from './monitor/content-hits.js';
import type { OutputGuard } from './pipeline/output.js';
import type { RequestGuard } from './pipeline/guard.js';
import { createOpenAIModeration } from './providers/openai/moderation.js';
import type { UpstreamClient } from './providers/shared/http-client.js';
import type { Registry } from 'prom-client';

/** The runner's deadline sits this far above the app's moderation timeout, so the guard's own fires first. */
const DEADLINE_MARGIN_MS = 1_000;

export interface ModerationDeps {
  readonly config: BastionConfig;
  /** The OpenAI provider's upstream client and key ring; undefined without providers.openai. */
  readonly openai: { readonly client: UpstreamClient; readonly keys: CredentialPool } | undefined;
  readonly pseudonymize: (id: string) => string;
  readonly clock: Clock;
  readonly registry: Registry;
  readonly alert: (alert: ContentHitAlert) => void;
  readonly warn: (fields: object, message: string) => void;
}

/** Moderation through the OpenAI key ring: a refused key is marked bad and the next key tried once. */
function openAIPort(
  baseUrl: string,
  openai: NonNullable<ModerationDeps['openai']>,
  warn: ModerationDeps['warn'],
): ModerationPort {
  const moderation = createOpenAIModeration({ baseUrl, client: openai.client });
  return {
    async moderate(inputs, options) {
      const tried = new Set<string>();
      for (let attempt = 0; attempt < 2; attempt++) {
        const credential = openai.keys.pick(tried);
        if (credential === undefined) break;
        tried.add(credential.id);
        try {
          return await moderation.moderate({
            inputs,
            model: options.model,
            credential,
            signal: options.signal,
          });
        } catch (error) {
          if (!isGatewayError(error) || error.code !== 'upstream_credentials_rejected') throw error;
          openai.keys.markBad(credential.id);
          warn(
            { alert: 'provider_key_rejected', provider: 'openai', providerKeyId: credential.id },
            'provider refused a configured key on the moderation endpoint; it is marked bad',
          );
        }
      }
      throw new GatewayError('upstream_credentials_rejected', {
        detail: `no accepted openai key for moderation (tried ${tried.size})`,
        source: 'provider:openai:moderation',
      });
    },
  };
}

export function buildModerationGuards(deps: ModerationDeps): {
  readonly guard: RequestGuard;
  readonly outputGuard: OutputGuard;
  readonly hits: ContentHitCounter;
} {
  const { config } = deps;
  // Compile every app's filters now: a bad rule fails startup, and requests never compile.
  for (const policy of buildAppPolicies(config).values()) compileFilters(policy.filters);
  const openaiConfig = config.providers.openai;
  const moderation =
    openaiConfig && deps.openai ? openAIPort(openaiConfig.baseUrl, deps.openai, deps.warn) : undefined;
  const repeated = config.alerts.repeatedFilterHits;
  const hits = new ContentHitCounter({
    registry: deps.registry,
    clock: deps.clock,
    threshold: repeated.threshold,
    windowMs: repeated.windowSeconds * 1000,
    alert: deps.alert,
    allowedApps: Object.keys(config.apps),
  });
  const timeoutMs =
    Math.max(...Object.values(config.apps).map((app) => app.moderation.timeoutMs)) + DEADLINE_MARGIN_MS;
  const hooks = {
    moderation,
    pseudonymize: deps.pseudonymize,
    onHit: (hit: Parameters<ContentHitCounter['record']>[0]) => hits.record(hit),
    onUnavailable: (event: ModerationUnavailable) =>
      deps.warn(
        {
          component: 'moderation',
          app: event.app,
          direction: event.direction,
          reason: event.reason,
          allowed: event.allowed,
        },
        event.allowed
          ? 'moderation unavailable; the app allows unmoderated text (onError: allow)'
          : 'moderation unavailable; refused (fail closed)',
      ),
    timeoutMs,
  };
  return { guard: createModerationGuard(hooks), outputGuard: createModerationOutputGuard(hooks), hits };
}
