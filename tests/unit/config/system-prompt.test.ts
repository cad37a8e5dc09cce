/**
 * Threat: a system prompt carrying a credential, a connection string or an internal address. The
 * prompt goes to the provider on every request and is the first thing extraction attacks target,
 * so such a prompt is refused at load, with an error that names the setting and never the secret.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, validateConfig } from '../../../src/config/load.js';
import { buildAppPolicies } from '../../../src/config/policies.js';
import { findPromptProblems } from '../../../src/config/system-prompt-content.js';

const config = (systemPrompt: unknown): Record<string, unknown> => ({
  environment: 'development',
  providers: { openai: { keys: [{ id: 'k', secret: 'env:OPENAI_API_KEY' }] } },
  apps: { support: { models: ['gpt-4o-mini'], systemPrompt } },
});

const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

/** Neither the secret nor any 8-character window of it appears in `text`. */
const expectNoTraceOf = (text: string, secret: string): void => {
  for (let start = 0; start + 8 <= secret.length; start++) {
    expect(text).not.toContain(secret.slice(start, start + 8));
  }
};

const PROMPT = 'You are the support assistant of Example Ltd. Answer questions about orders politely.';

// Secret-shaped strings are assembled at runtime so secret scanners do not flag this file.
const AWS_KEY_ID = ['AKIA', 'Q7WZ3X5Y2K4M6N7P'].join('');
const HF_TOKEN = ['hf', 'Ab3De6Gh9Jk2Lm5Np8Qr1St4Vw7Yz0Bc3Df'].join('_');
/** [kind, label, prompt line, the secret part that must never be echoed] */
const SECRETS: ReadonlyArray<readonly [string, string, string, string]> = [
  ['credential', 'an AWS access key id', `Use the key ${AWS_KEY_ID} for S3.`, AWS_KEY_ID],
  ['credential', 'a Hugging Face token', `Token: ${HF_TOKEN}`, HF_TOKEN],
  [
    'connection_string',
    'a PostgreSQL URL with a password',
    'Data: postgres://app:Sup3rS3cretPw@db.example.com:5432/prod',
    'Sup3rS3cretPw',
  ],
  [
    'connection_string',
    'a MySQL URL with a password',
    'mysql://root:Hunter2Hunter2@mysql.example.com/app',
    'Hunter2Hunter2',
  ],
  [
    'connection_string',
    'a MongoDB SRV URL with a password',
    'mongodb+srv://svc:Pa55w0rdXyZ@cluster0.example.net/db',
    'Pa55w0rdXyZ',
  ],
  [
    'connection_string',
    'a Redis URL with a password and no user',
    'redis://:R3disPassw0rd@cache.example.com:6379/0',
    'R3disPassw0rd',
  ],
  [
    'connection_string',
    'a password in the query string',
    'postgresql://db.example.com/app?user=a&password=Qw3rtyQw3rty',
    'Qw3rtyQw3rty',
  ],
  [
    'connection_string',
    'any URL with user:password',
    'Fetch from https://deploy:T0kenT0ken99@git.example.com/repo',
    'T0kenT0ken99',
  ],
  [
    'connection_string',
    'an ADO.NET Password=',
    'Server=tcp:sql.example.com;User ID=sa;Password=Sup3rS3cret!x;',
    'Sup3rS3cret!x',
  ],
  [
    'connection_string',
    'an Azure AccountKey=',
    'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=bXlTZWNyZXRLZXk9PQ==',
    'bXlTZWNyZXRLZXk9PQ==',
  ],
  ['private_ip', '10/8', 'The billing API is at 10.20.30.40.', '10.20.30.40'],
  ['private_ip', '172.16/12', 'Reach 172.20.1.5 for logs.', '172.20.1.5'],
  ['private_ip', '192.168/16', 'Router: 192.168.1.254', '192.168.1.254'],
  ['private_ip', '127/8', 'A sidecar listens on 127.0.0.1:9000', '127.0.0.1'],
  ['private_ip', '169.254/16 (cloud metadata)', 'Never call 169.254.169.254', '169.254.169.254'],
  ['private_ip', 'fc00::/7', 'Internal host fd12:3456:789a::1 serves docs', 'fd12:3456:789a::1'],
  ['private_ip', 'fe80::/10', 'Link fe80::1ff:fe23:4567:890a on eth0', 'fe80::1ff:fe23:4567:890a'],
];

describe('systemPrompt: shape and defaults', () => {
  it('accepts an inline prompt with safe defaults', () => {
    const loaded = validateConfig(config({ text: PROMPT }), 'test');
    expect(loaded.apps.support?.systemPrompt).toEqual({
      text: PROMPT,
      clientMessages: 'refuse',
      leak: { action: 'block', minOverlapWords: 12 },
    });
    const policy = buildAppPolicies(loaded).get('support');
    expect(policy?.systemPrompt).toEqual({
      text: PROMPT,
      clientMessages: 'refuse',
      leak: { action: 'block', minOverlapWords: 12 },
    });
    expect(Object.isFrozen(policy?.systemPrompt)).toBe(true);
  });

  it('apps without one have no prompt policy', () => {
    const loaded = validateConfig(config(undefined), 'test');
    expect(buildAppPolicies(loaded).get('support')?.systemPrompt).toBeUndefined();
  });

  it.each([
    [
      'both text and file',
      { text: PROMPT, file: 'p.txt' },
      'apps.support.systemPrompt',
      'exactly one of text or file',
    ],
    ['neither', { clientMessages: 'strip' }, 'apps.support.systemPrompt', 'exactly one of text or file'],
    ['a blank text', { text: '   ' }, 'apps.support.systemPrompt.text', 'blank'],
    [
      'an unknown clientMessages',
      { text: PROMPT, clientMessages: 'allow' },
      'apps.support.systemPrompt.clientMessages',
      'refuse or strip',
    ],
    [
      'an unknown leak action',
      { text: PROMPT, leak: { action: 'log' } },
      'apps.support.systemPrompt.leak.action',
      'block or redact',
    ],
    [
      'a tiny overlap',
      { text: PROMPT, leak: { minOverlapWords: 2 } },
      'apps.support.systemPrompt.leak.minOverlapWords',
      'at least 4',
    ],
    ['an unknown option', { text: PROMPT, canary: false }, 'apps.support.systemPrompt', 'unknown option'],
  ])('refuses %s', (_label, prompt, path, message) => {
    const error = errorOf(() => validateConfig(config(prompt), 'test'));
    const issue = error.issues.find((candidate) => candidate.path === path);
    expect(issue?.message, JSON.stringify(error.issues)).toContain(message);
  });
});

describe('systemPrompt: refused content (inline text)', () => {
  it.each(SECRETS)('%s: %s', (kind, _label, prompt, secret) => {
    const error = errorOf(() => validateConfig(config({ text: `${PROMPT}\n${prompt}` }), 'test'));
    expect(error.issues.map((issue) => issue.path)).toEqual(['apps.support.systemPrompt.text']);
    const expected =
      kind === 'credential' ? 'credential' : kind === 'private_ip' ? 'private network' : 'connection string';
    expect(error.message).toContain(expected);
    // The error names the setting and the kind, never the value.
    expectNoTraceOf(error.message, secret);
  });

  it('a provider key is refused by the literal-key tripwire without echoing it', () => {
    const key = ['sk', 'proj', 'Zq3xR8vLm2Tn9Wc4Yb7Hd1Kf6Gp0Js5AbCdEfGhIjKlMn'].join('-');
    const error = errorOf(() => validateConfig(config({ text: `Call OpenAI with ${key}` }), 'test'));
    expect(error.issues[0]?.path).toBe('apps.support.systemPrompt.text');
    expectNoTraceOf(error.message, key);
  });

  it.each([
    ['public addresses', 'Our status page is at 8.8.8.8 and 172.32.0.1 and 2001:4860:4860::8888.'],
    ['version numbers and times', 'Version 10.2.3 shipped at 12:30:45 on 1.2.3.4-beta.'],
    ['plain URLs', 'See https://example.com/docs?page=2 and postgres://db.example.com/app.'],
    ['the word password', 'Never ask for a password. Explain the password reset flow: Settings > Password.'],
    ['email-like text', 'Write to support@example.com or ops: team@example.org.'],
  ])('accepts %s', (_label, prompt) => {
    expect(findPromptProblems(prompt)).toEqual([]);
    expect(() => validateConfig(config({ text: prompt }), 'test')).not.toThrow();
  });
});

describe('systemPrompt: file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bastion-prompt-'));
  mkdirSync(join(dir, 'prompts'));
  const yaml = (file: string): string => `
environment: development
providers:
  openai:
    keys: [{ id: k, secret: env:OPENAI_API_KEY }]
apps:
  support:
    models: [gpt-4o-mini]
    systemPrompt:
      file: ${file}
      clientMessages: strip
      leak: { action: redact, minOverlapWords: 8 }
`;

  it('reads the file relative to the config file, once, at load', async () => {
    writeFileSync(join(dir, 'prompts', 'support.txt'), PROMPT);
    writeFileSync(join(dir, 'bastion.yaml'), yaml('prompts/support.txt'));
    const loaded = await loadConfigFile(join(dir, 'bastion.yaml'));
    const policy = buildAppPolicies(loaded).get('support')?.systemPrompt;
    expect(policy).toEqual({
      text: PROMPT,
      clientMessages: 'strip',
      leak: { action: 'redact', minOverlapWords: 8 },
    });
  });

  it('refuses a missing file with a path-named error', async () => {
    writeFileSync(join(dir, 'missing.yaml'), yaml('prompts/nope.txt'));
    const error = await loadConfigFile(join(dir, 'missing.yaml')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { path: 'apps.support.systemPrompt.file', message: 'cannot read the system prompt file (ENOENT)' },
    ]);
  });

  it.each(SECRETS)(
    'refuses a file holding %s (%s) without quoting it',
    async (_kind, _label, line, secret) => {
      writeFileSync(join(dir, 'prompts', 'leaky.txt'), `${PROMPT}\n${line}\n`);
      writeFileSync(join(dir, 'leaky.yaml'), yaml('prompts/leaky.txt'));
      const error = await loadConfigFile(join(dir, 'leaky.yaml')).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      const { issues, message } = error as ConfigError;
      expect(issues.map((issue) => issue.path)).toEqual(['apps.support.systemPrompt.file']);
      expectNoTraceOf(message, secret);
    },
  );

  it('refuses an empty file and a file that is not UTF-8', async () => {
    writeFileSync(join(dir, 'prompts', 'empty.txt'), '  \n');
    writeFileSync(join(dir, 'empty.yaml'), yaml('prompts/empty.txt'));
    const empty = await loadConfigFile(join(dir, 'empty.yaml')).catch((caught: unknown) => caught);
    expect((empty as ConfigError).issues[0]?.message).toContain('empty');
    writeFileSync(join(dir, 'prompts', 'binary.txt'), Buffer.from([0xff, 0xfe, 0x00, 0xc3]));
    writeFileSync(join(dir, 'binary.yaml'), yaml('prompts/binary.txt'));
    const binary = await loadConfigFile(join(dir, 'binary.yaml')).catch((caught: unknown) => caught);
    expect((binary as ConfigError).issues[0]?.message).toContain('UTF-8');
  });

  it('scans a 200 KB hostile prompt in bounded time', () => {
    const hostile = [
      '1.'.repeat(50_000),
      'a:'.repeat(50_000),
      'x://'.repeat(25_000),
      'Password'.repeat(12_000),
    ];
    for (const text of hostile) {
      const started = performance.now();
      findPromptProblems(text);
      expect(performance.now() - started).toBeLessThan(500);
    }
  });
});
