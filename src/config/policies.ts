import type { AppPolicy } from '../core/policy.js';
import type { ProviderName } from '../core/types.js';
import type { BastionConfig } from './schema.js';
import { toSystemPromptPolicy } from './system-prompt-schema.js';

/** A Map whose mutators throw, so a policy cannot be widened at runtime by accident. */
const readonlyMap = <K, V>(entries: Iterable<readonly [K, V]>): ReadonlyMap<K, V> => {
  const map = new Map<K, V>(entries);
  const refuse = (): never => {
    throw new TypeError('policy maps are read-only');
  };
  Object.defineProperties(map, {
    set: { value: refuse },
    delete: { value: refuse },
    clear: { value: refuse },
  });
  return Object.freeze(map);
};

/** Derives one frozen AppPolicy per configured app. Computed once at startup (and on reload). */
export const buildAppPolicies = (config: BastionConfig): ReadonlyMap<string, AppPolicy> => {
  const tokenCounting = config.providers.anthropic?.tokenCounting ?? 'estimate';
  return readonlyMap(
    Object.entries(config.apps).map(([id, app]): [string, AppPolicy] => [
      id,
      Object.freeze({
        id,
        models: readonlyMap<string, ProviderName>(app.models.map((model) => [model.name, model.provider])),
        maxInputTokens: app.maxInputTokens,
        maxOutputTokens: app.maxOutputTokens,
        outputCapPolicy: app.outputCapPolicy,
        maxChoices: app.maxChoices,
        maxMessages: app.maxMessages,
        maxTools: app.maxTools,
        anthropicTokenCounting: tokenCounting,
        rateLimits: app.rateLimits,
        budget: app.budget,
        endUser: app.endUser,
        injection: app.injection,
        moderation: app.moderation,
        filters: {
          ...app.filters,
          profiles: app.filters.profiles.map((name) => ({
            name,
            keywords: config.contentProfiles[name]?.keywords ?? [],
            regexes: config.contentProfiles[name]?.regexes ?? [],
          })),
        },
        systemPrompt: toSystemPromptPolicy(app.systemPrompt),
        output: { ...app.output, policyModule: app.output.policyModule },
      }),
    ]),
  );
};
