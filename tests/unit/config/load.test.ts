import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig, validateConfig } from '../../../src/config/load.js';
import { outputSchema } from '../../../src/config/output-schema.js';

// Key-shaped strings are assembled at runtime so secret scanners do not flag this file.
const OPENAI_KEY = ['sk', 'proj', 'Zq3xR8vLm2Tn9Wc4Yb7Hd1Kf6Gp0Js5A'].join('-');
const ANTHROPIC_KEY = ['sk', 'ant', 'api03', 'Xy9Vb2Nm4Qw7Er1Ty5Ui8Op3As6Df0Gh'].join('-');
const LEGACY_KEY = 'sk-' + 'Ab3De6Gh9Jk2' + 'T3BlbkFJ' + 'Mn5Pq8St1Vw4';

const MINIMAL = `
environment: development
providers:
  openai:
    keys: [{ id: openai-primary, secret: env:OPENAI_API_KEY }]
apps:
  default:
    models: [gpt-4o-mini]
`;

const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

/** The value and every 12-character window of it are absent from `text`. */
const expectNoTraceOf = (text: string, secret: string): void => {
  for (let start = 0; start + 12 <= secret.length; start++) {
    expect(text).not.toContain(secret.slice(start, start + 12));
  }
};

describe('parseConfig: defaults', () => {
  it('applies every default to a minimal config', () => {
    const config = parseConfig(MINIMAL, 'min.yaml');
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8080, trustedProxies: [] });
    expect(config.limits).toEqual({
      maxBodyBytes: 1048576,
      maxJsonDepth: 32,
      maxHeaderBytes: 16384,
      requestTimeoutMs: 600000,
    });
    expect(config.providers.openai?.baseUrl).toBe('https://api.openai.com/v1');
    expect(config.providers.openai?.timeoutMs).toBe(600000);
    expect(config.providers.openai?.keys[0]?.secret).toEqual({ scheme: 'env', name: 'OPENAI_API_KEY' });
    expect(config.providers.anthropic).toBeUndefined();
    expect(config.apps.default).toEqual({
      models: [{ name: 'gpt-4o-mini', provider: 'openai' }],
      maxInputTokens: 8000,
      maxOutputTokens: 1024,
      outputCapPolicy: 'clamp',
      maxChoices: 1,
      maxMessages: 100,
      maxTools: 32,
      rateLimits: {},
      injection: { action: 'flag', threshold: 0.5 },
      endUser: { trustHeader: false, required: false },
      output: outputSchema.parse({}),
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
    expect(config.audit).toEqual({ stdout: true, file: null });
    expect(config.storage.sqlitePath).toBe('./.bastion/bastion.db');
  });

  it('infers the provider from the model name and accepts explicit entries', () => {
    const config = parseConfig(
      `environment: development
providers:
  openai: { keys: [{ id: o, secret: env:O }] }
  anthropic: { baseUrl: 'http://localhost:9000/', keys: [{ id: a, secret: 'file:/run/secrets/a' }] }
apps:
  default:
    models: [gpt-4o, claude-haiku-4-5, { name: my-tuned:1, provider: anthropic }]
`,
      'x.yaml',
    );
    expect(config.apps.default?.models).toEqual([
      { name: 'gpt-4o', provider: 'openai' },
      { name: 'claude-haiku-4-5', provider: 'anthropic' },
      { name: 'my-tuned:1', provider: 'anthropic' },
    ]);
    expect(config.providers.anthropic?.baseUrl).toBe('http://localhost:9000');
    expect(config.providers.anthropic?.tokenCounting).toBe('estimate');
    expect(config.providers.anthropic?.keys[0]?.secret).toEqual({ scheme: 'file', path: '/run/secrets/a' });
  });

  it('deep-freezes the result', () => {
    const config = parseConfig(MINIMAL, 'min.yaml');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.apps.default?.models[0])).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

describe('parseConfig: errors', () => {
  it('names the dotted path and the expected type', () => {
    const error = errorOf(() =>
      parseConfig(
        MINIMAL.replace('models: [gpt-4o-mini]', 'models: [gpt-4o-mini]\n    maxOutputTokens: lots'),
        'x.yaml',
      ),
    );
    expect(error.issues).toEqual([
      { path: 'apps.default.maxOutputTokens', message: 'expected number, got string' },
    ]);
    expect(error.message).toContain('x.yaml');
    expect(error.message).toContain('apps.default.maxOutputTokens: expected number');
  });

  it('refuses unknown keys at every level', () => {
    const error = errorOf(() => parseConfig(MINIMAL + 'server: { prot: 80 }\nextra: 1\n', 'x.yaml'));
    const paths = error.issues.map((issue) => issue.path).sort();
    expect(paths).toEqual(['', 'server']);
    expect(error.message).toMatch(/unknown option "prot"/);
    expect(error.message).toMatch(/unknown option "extra"/);
  });

  it('refuses a tokenCounting option on the OpenAI block (strict per provider)', () => {
    const error = errorOf(() =>
      parseConfig(MINIMAL.replace('keys:', 'tokenCounting: estimate\n    keys:'), 'x.yaml'),
    );
    expect(error.issues[0]?.path).toBe('providers.openai');
  });

  it('reports several problems at once, with array indices', () => {
    const error = errorOf(() =>
      parseConfig(
        `environment: prod
server: { port: 70000 }
providers:
  openai: { keys: [{ id: Bad Id, secret: env:X }] }
apps:
  default: { models: ['a/b'], outputCapPolicy: truncate }
`,
        'x.yaml',
      ),
    );
    const byPath = Object.fromEntries(error.issues.map((issue) => [issue.path, issue.message]));
    expect(byPath['environment']).toBe('expected one of: production, staging, development');
    expect(byPath['server.port']).toBe('must be at most 65535');
    expect(byPath['providers.openai.keys[0].id']).toMatch(/key id must be 1-64 characters/);
    expect(byPath['apps.default.models[0]']).toMatch(/no slashes or URLs/);
    expect(byPath['apps.default.outputCapPolicy']).toBe('expected clamp or reject');
  });

  it('requires the top-level sections and at least one provider and app', () => {
    expect(errorOf(() => parseConfig('environment: development\n', 'x')).issues.map((i) => i.path)).toEqual([
      'providers',
      'apps',
    ]);
    const error = errorOf(() => parseConfig('environment: development\nproviders: {}\napps: {}\n', 'x'));
    expect(error.issues.map((i) => i.path).sort()).toEqual(['apps', 'providers']);
    const noProvider = errorOf(() =>
      parseConfig('environment: development\nproviders: {}\napps: { a: { models: [gpt-4o] } }\n', 'x'),
    );
    expect(noProvider.issues.map((i) => i.path)).toContain('providers');
  });

  it('refuses a model whose provider is not configured', () => {
    const error = errorOf(() =>
      parseConfig(MINIMAL.replace('[gpt-4o-mini]', '[gpt-4o-mini, claude-haiku-4-5]'), 'x'),
    );
    expect(error.issues).toEqual([
      {
        path: 'apps.default.models[1]',
        message: 'model "claude-haiku-4-5" is served by anthropic, but providers.anthropic is not configured',
      },
    ]);
  });

  it('refuses duplicate key ids and duplicate models', () => {
    const error = errorOf(() =>
      parseConfig(
        MINIMAL.replace(
          'keys: [{ id: openai-primary, secret: env:OPENAI_API_KEY }]',
          'keys: [{ id: k, secret: env:A }, { id: k, secret: env:B }]',
        ).replace('[gpt-4o-mini]', '[gpt-4o, gpt-4o]'),
        'x',
      ),
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'apps.default.models[1]',
      'providers.openai.keys[1].id',
    ]);
  });

  it('refuses insecure or odd provider base URLs', () => {
    for (const [url, why] of [
      ['http://api.openai.com/v1', /https/],
      ['https://user:pw@api.openai.com/v1', /credentials/],
      ['https://api.openai.com/v1?x=1', /query/],
      ['not a url', /absolute URL/],
    ] as const) {
      const error = errorOf(() => parseConfig(MINIMAL.replace('keys:', `baseUrl: '${url}'\n    keys:`), 'x'));
      expect(error.issues[0]?.path).toBe('providers.openai.baseUrl');
      expect(error.issues[0]?.message).toMatch(why);
    }
    for (const url of ['http://127.0.0.1:4010/v1', 'http://localhost/v1', 'http://[::1]:80/v1']) {
      expect(
        parseConfig(MINIMAL.replace('keys:', `baseUrl: '${url}'\n    keys:`), 'x').providers.openai?.baseUrl,
      ).toBe(url.replace(':80/', '/'));
    }
  });

  it('refuses a key bound to another environment', () => {
    const error = errorOf(() =>
      parseConfig(
        MINIMAL.replace('secret: env:OPENAI_API_KEY', 'secret: env:OPENAI_API_KEY, environment: production'),
        'x',
      ),
    );
    expect(error.issues[0]?.path).toBe('providers.openai.keys[0].environment');
    expect(error.issues[0]?.message).toMatch(/bound to production but this config is for development/);
  });

  it('requires audit.pseudonymKey outside development', () => {
    const error = errorOf(() => parseConfig(MINIMAL.replace('development', 'production'), 'x'));
    expect(error.issues).toEqual([
      { path: 'audit.pseudonymKey', message: expect.stringMatching(/required in production/) },
    ]);
    const ok = parseConfig(
      MINIMAL.replace('development', 'staging') + 'audit: { pseudonymKey: env:BASTION_PSEUDONYM_KEY }\n',
      'x',
    );
    expect(ok.audit.pseudonymKey).toEqual({ scheme: 'env', name: 'BASTION_PSEUDONYM_KEY' });
  });

  it('refuses unsupported secret schemes and lists the supported ones', () => {
    const error = errorOf(() =>
      parseConfig(MINIMAL.replace('env:OPENAI_API_KEY', 'consul:secret/openai'), 'x'),
    );
    expect(error.issues[0]?.path).toBe('providers.openai.keys[0].secret');
    expect(error.issues[0]?.message).toMatch(/supported schemes: env, file/);
    expect(error.message).not.toContain('consul:secret/openai');
  });

  it('gives YAML syntax errors with line:column and without quoting the line', () => {
    const error = errorOf(() =>
      parseConfig(`environment: development\napps: [unclosed\n  note: ${OPENAI_KEY}\n`, 'x.yaml'),
    );
    expect(error.issues[0]?.message).toMatch(/^YAML syntax error at line \d+:\d+: /);
    expectNoTraceOf(error.message, OPENAI_KEY);
  });

  it('refuses duplicate YAML keys and unknown tags', () => {
    expect(errorOf(() => parseConfig(MINIMAL + 'environment: production\n', 'x')).message).toMatch(
      /line 9:1/,
    );
    expect(
      errorOf(() => parseConfig(MINIMAL.replace('development', '!!js/function development'), 'x')).message,
    ).toMatch(/YAML syntax error at line 2/);
  });

  it('refuses prototype-polluting app ids instead of dropping them', () => {
    const proto = errorOf(() => parseConfig(MINIMAL.replace('  default:', '  __proto__:'), 'x'));
    expect(proto.issues).toEqual([{ path: 'apps', message: 'the key __proto__ is not allowed' }]);
    const ctor = errorOf(() => parseConfig(MINIMAL.replace('  default:', '  constructor:'), 'x'));
    expect(ctor.issues[0]?.path).toBe('apps.constructor');
  });

  it('refuses YAML alias bombs', () => {
    let bomb = 'a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n';
    for (let i = 1; i < 8; i++)
      bomb += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    expect(errorOf(() => parseConfig(bomb, 'x')).message).toMatch(/alias/);
  });

  it('refuses an empty file', () => {
    expect(errorOf(() => parseConfig('# nothing\n', 'x')).message).toMatch(/empty/);
  });
});

describe('literal provider keys', () => {
  const placements = (key: string): Record<string, string> => ({
    'providers.openai.keys[0].secret': MINIMAL.replace('env:OPENAI_API_KEY', key),
    'audit.pseudonymKey': MINIMAL + `audit: { pseudonymKey: ${key} }\n`,
    'storage.sqlitePath': MINIMAL + `storage: { sqlitePath: ${key} }\n`,
    'apps.default.models[0]': MINIMAL.replace('[gpt-4o-mini]', `[${key}]`),
  });

  for (const key of [OPENAI_KEY, ANTHROPIC_KEY, LEGACY_KEY]) {
    for (const [path, yaml] of Object.entries(placements(key))) {
      it(`refuses ${key.slice(0, 7)}... at ${path} without echoing it`, () => {
        const error = errorOf(() => parseConfig(yaml, 'x.yaml'));
        expect(error.issues).toEqual([
          {
            path,
            message:
              'a literal API key is not allowed in the config; use a secret reference such as env:OPENAI_API_KEY or file:/run/secrets/openai',
          },
        ]);
        expectNoTraceOf(error.message, key);
        expectNoTraceOf(JSON.stringify(error.issues), key);
      });
    }
  }

  it('refuses a key used as a map key without naming it', () => {
    const error = errorOf(() => parseConfig(MINIMAL + `${OPENAI_KEY}: 1\n`, 'x'));
    expect(error.issues[0]?.path).toBe('');
    expectNoTraceOf(error.message, OPENAI_KEY);
  });

  it('refuses a key left in a comment, by line number', () => {
    const error = errorOf(() => parseConfig(MINIMAL.replace('apps:', `# old: ${ANTHROPIC_KEY}\napps:`), 'x'));
    expect(error.issues[0]?.message).toMatch(/^line 6: a literal API key is not allowed/);
    expectNoTraceOf(error.message, ANTHROPIC_KEY);
  });

  it('does not mistake ordinary names for keys', () => {
    const config = parseConfig(
      MINIMAL.replace('[gpt-4o-mini]', '[gpt-4o-mini, sk-learn, task-manager-model-2]'),
      'x',
    );
    expect(config.apps.default?.models.map((m) => m.name)).toContain('sk-learn');
  });

  it('refuses keys in objects validated directly (validateConfig)', () => {
    const error = errorOf(() =>
      validateConfig(
        {
          environment: 'development',
          providers: { openai: { keys: [{ id: 'a', secret: OPENAI_KEY }] } },
          apps: {},
        },
        'code',
      ),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['providers.openai.keys[0].secret']);
  });
});

describe('loadConfigFile', () => {
  it('reads and validates a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bastion-config-'));
    const path = join(dir, 'bastion.yaml');
    writeFileSync(path, MINIMAL);
    expect((await loadConfigFile(path)).apps.default?.maxTools).toBe(32);
  });

  it('reports an unreadable file as a ConfigError naming the file', async () => {
    const path = join(tmpdir(), 'bastion-does-not-exist', 'bastion.yaml');
    await expect(loadConfigFile(path)).rejects.toThrow(ConfigError);
    await expect(loadConfigFile(path)).rejects.toThrow(/ENOENT/);
  });
});
