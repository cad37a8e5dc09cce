import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { buildAppPolicies } from '../../../src/config/policies.js';
import { defaultOutputPolicy } from '../../helpers/fixtures.js';

const YAML = `
environment: development
providers:
  openai: { keys: [{ id: o, secret: env:O }] }
  anthropic: { keys: [{ id: a, secret: env:A }], tokenCounting: count_tokens }
apps:
  default:
    models: [gpt-4o-mini, claude-haiku-4-5, { name: custom-1, provider: anthropic }]
  strict:
    models: [gpt-4o]
    maxInputTokens: 100
    maxOutputTokens: 50
    outputCapPolicy: reject
    maxChoices: 2
    maxMessages: 5
    maxTools: 0
`;

describe('buildAppPolicies', () => {
  const policies = buildAppPolicies(parseConfig(YAML, 'x'));

  it('builds one policy per app with models mapped to providers', () => {
    expect([...policies.keys()]).toEqual(['default', 'strict']);
    const policy = policies.get('default');
    expect(policy?.id).toBe('default');
    expect([...(policy?.models ?? [])]).toEqual([
      ['gpt-4o-mini', 'openai'],
      ['claude-haiku-4-5', 'anthropic'],
      ['custom-1', 'anthropic'],
    ]);
    expect(policy?.anthropicTokenCounting).toBe('count_tokens');
    expect(policy?.maxOutputTokens).toBe(1024);
  });

  it('copies every limit', () => {
    const { models: _models, ...limits } = policies.get('strict') ?? {};
    expect(limits).toEqual({
      id: 'strict',
      maxInputTokens: 100,
      maxOutputTokens: 50,
      outputCapPolicy: 'reject',
      maxChoices: 2,
      maxMessages: 5,
      maxTools: 0,
      anthropicTokenCounting: 'count_tokens',
      rateLimits: {},
      budget: undefined,
      endUser: { trustHeader: false, required: false },
      injection: { action: 'flag', threshold: 0.5 },
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
      output: defaultOutputPolicy(),
    });
  });

  it('is read-only at runtime', () => {
    const policy = policies.get('default');
    expect(Object.isFrozen(policy)).toBe(true);
    expect(() => (policy?.models as Map<string, string>).set('evil', 'openai')).toThrow(TypeError);
    expect(() => (policies as Map<string, unknown>).delete('default')).toThrow(TypeError);
    expect(policy?.models.has('evil')).toBe(false);
  });

  it('defaults token counting to estimate without an anthropic block', () => {
    const only = buildAppPolicies(
      parseConfig(
        'environment: development\nproviders: { openai: { keys: [{ id: o, secret: env:O }] } }\napps: { a: { models: [gpt-4o] } }\n',
        'x',
      ),
    );
    expect(only.get('a')?.anthropicTokenCounting).toBe('estimate');
  });
});
