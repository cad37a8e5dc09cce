import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../../src/config/load.js';
import { buildAppPolicies } from '../../../src/config/policies.js';

const base = (app: Record<string, unknown>, extra: Record<string, unknown> = {}, openai = true) => ({
  environment: 'development',
  providers: {
    ...(openai && { openai: { keys: [{ id: 'o', secret: 'env:O' }] } }),
    anthropic: { keys: [{ id: 'a', secret: 'env:A' }] },
  },
  apps: { chat: { models: ['claude-haiku-4-5'], ...app } },
  ...extra,
});

const issues = (raw: unknown): string[] => {
  try {
    validateConfig(raw, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
};

describe('moderation and filter config', () => {
  it('defaults: moderation off, fail closed, omni-moderation-latest, 2 s, 1000-character windows; no filters', () => {
    const config = validateConfig(base({}), 'test');
    expect(config.apps.chat?.moderation).toEqual({
      input: false,
      output: false,
      model: 'omni-moderation-latest',
      timeoutMs: 2000,
      onError: 'block',
      thresholds: {},
      outputWindowChars: 1000,
    });
    expect(config.apps.chat?.filters).toEqual({ keywords: [], regexes: [], profiles: [], applyTo: 'both' });
    expect(config.contentProfiles).toEqual({});
    expect(config.alerts.repeatedFilterHits).toEqual({ threshold: 5, windowSeconds: 600 });
  });

  it('refuses moderation without providers.openai, with a message that says what to do', () => {
    const found = issues(base({ moderation: { input: true } }, {}, false));
    expect(found).toEqual([expect.stringMatching(/^apps\.chat\.moderation: .*configure providers\.openai/)]);
    // Filters alone need no provider.
    expect(issues(base({ filters: { keywords: ['x'] } }, {}, false))).toEqual([]);
  });

  it('refuses unknown categories and thresholds outside 0..1', () => {
    expect(issues(base({ moderation: { thresholds: { violence: 0.5, 'self-harm/intent': 0.2 } } }))).toEqual(
      [],
    );
    expect(issues(base({ moderation: { thresholds: { violense: 0.5 } } }))).toEqual([
      'apps.chat.moderation.thresholds: unknown option "violense"; remove it or check the spelling',
    ]);
    expect(issues(base({ moderation: { thresholds: { violence: 1.5 } } })).join('\n')).toMatch(
      /apps\.chat\.moderation\.thresholds\.violence/,
    );
  });

  it('refuses a regex that could backtrack catastrophically, naming the rule by path', () => {
    const found = issues(base({ filters: { regexes: [{ id: 'evil', pattern: '(a+)+$' }] } }));
    expect(found).toEqual([expect.stringMatching(/^apps\.chat\.filters\.regexes\[0\]\.pattern: refused: /)]);
    expect(
      issues(base({ filters: { regexes: [{ id: 'ok', pattern: 'project\\s+x', flags: 'iu' }] } })),
    ).toEqual([]);
  });

  it('refuses duplicate and reserved rule ids, bad keywords and unknown profiles', () => {
    const regexes = [
      { id: 'a', pattern: 'x' },
      { id: 'a', pattern: 'y' },
    ];
    expect(issues(base({ filters: { regexes } })).join('\n')).toMatch(/duplicate rule id "a"/);
    expect(issues(base({ filters: { regexes: [{ id: 'keywords', pattern: 'x' }] } })).join('\n')).toMatch(
      /reserved/,
    );
    expect(issues(base({ filters: { keywords: ['**'] } })).join('\n')).toMatch(/letter or digit/);
    expect(issues(base({ filters: { keywords: ['a*b'] } })).join('\n')).toMatch(/only at its end/);
    expect(issues(base({ filters: { profiles: ['pirates'] } }))).toEqual([
      expect.stringMatching(/^apps\.chat\.filters\.profiles\[0\]: unknown profile "pirates"/),
    ]);
  });

  it('maps profiles to policies with the operator additions; built-ins need no definition', () => {
    const config = validateConfig(
      base(
        { filters: { profiles: ['children', 'pirates'], keywords: ['Foo'], applyTo: 'input' } },
        {
          contentProfiles: {
            children: { keywords: ['grog'] },
            pirates: { regexes: [{ id: 'plank', pattern: 'walk\\s+the\\s+plank' }] },
          },
        },
      ),
      'test',
    );
    const policy = buildAppPolicies(config).get('chat');
    expect(policy?.filters).toEqual({
      keywords: ['Foo'],
      regexes: [],
      applyTo: 'input',
      profiles: [
        { name: 'children', keywords: ['grog'], regexes: [] },
        {
          name: 'pirates',
          keywords: [],
          regexes: [{ id: 'plank', pattern: 'walk\\s+the\\s+plank', flags: 'i' }],
        },
      ],
    });
  });

  it('regexes inside contentProfiles are checked too', () => {
    const found = issues(
      base({}, { contentProfiles: { p: { regexes: [{ id: 'r', pattern: '(x|xy)*z' }] } } }),
    );
    expect(found).toEqual([expect.stringMatching(/^contentProfiles\.p\.regexes\[0\]\.pattern: refused/)]);
  });
});
