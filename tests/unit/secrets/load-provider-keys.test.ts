import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, validateConfig } from '../../../src/config/load.js';
import type { BastionConfig } from '../../../src/config/schema.js';
import { ManualClock } from '../../../src/core/clock.js';
import { loadProviderKeyRings, loadPseudonymKey } from '../../../src/secrets/load-provider-keys.js';
import { Redactor } from '../../../src/secrets/redactor.js';
import { SecretError } from '../../../src/secrets/resolve.js';

const dir = mkdtempSync(join(tmpdir(), 'bastion-keys-'));
const anthropicFile = join(dir, 'anthropic');
writeFileSync(anthropicFile, 'anthropic-value-0002\n', { mode: 0o600 });

const config = parseConfig(
  `environment: development
providers:
  openai:
    keys:
      - { id: openai-primary, secret: env:OPENAI_KEY_A, environment: development }
      - { id: openai-backup, secret: env:OPENAI_KEY_B }
  anthropic:
    keys: [{ id: anthropic-primary, secret: 'file:${anthropicFile}' }]
apps: { default: { models: [gpt-4o, claude-haiku-4-5] } }
audit: { pseudonymKey: env:PSEUDO }
`,
  'test.yaml',
);

const env = {
  OPENAI_KEY_A: 'openai-value-000A',
  OPENAI_KEY_B: 'openai-value-000B',
  PSEUDO: 'pseudonym-key-0123456789abcdef',
};

describe('loadProviderKeyRings', () => {
  it('resolves every key into a ring per provider and registers values with the redactor', async () => {
    const redactor = new Redactor();
    const rings = await loadProviderKeyRings(config, { env, clock: new ManualClock(), redactor });
    expect([...rings.keys()]).toEqual(['openai', 'anthropic']);
    expect(rings.get('openai')?.pick()).toEqual({ id: 'openai-primary', value: 'openai-value-000A' });
    expect(rings.get('openai')?.size).toBe(2);
    expect(rings.get('anthropic')?.pick()).toEqual({
      id: 'anthropic-primary',
      value: 'anthropic-value-0002',
    });
    expect(redactor.redact('openai-value-000B anthropic-value-0002')).toBe(
      '[REDACTED:openai-backup] [REDACTED:anthropic-primary]',
    );
  });

  it('passes the cooldown to the rings', async () => {
    const clock = new ManualClock();
    const rings = await loadProviderKeyRings(config, {
      env,
      clock,
      redactor: new Redactor(),
      cooldownMs: 10,
    });
    const ring = rings.get('openai');
    ring?.markBad('openai-primary');
    expect(ring?.pick()?.id).toBe('openai-backup');
    clock.advance(10);
    expect(ring?.pick()?.id).toBe('openai-primary');
  });

  it('names the key and the reference when a secret is missing, never a value', async () => {
    const promise = loadProviderKeyRings(config, {
      env: { OPENAI_KEY_A: 'openai-value-000A' },
      clock: new ManualClock(),
      redactor: new Redactor(),
    });
    await expect(promise).rejects.toBeInstanceOf(SecretError);
    await expect(promise).rejects.toThrow(
      'providers.openai.keys[1] (openai-backup): env:OPENAI_KEY_B: environment variable OPENAI_KEY_B is not set',
    );
    await promise.catch((error: Error) => expect(error.message).not.toContain('openai-value-000A'));
  });

  it('refuses a key bound to another environment, even in a config built without the schema', async () => {
    const tampered = structuredClone(config) as BastionConfig & {
      providers: { openai: { keys: { environment?: string }[] } };
    };
    tampered.providers.openai.keys[0]!.environment = 'production';
    const promise = loadProviderKeyRings(tampered, {
      env,
      clock: new ManualClock(),
      redactor: new Redactor(),
    });
    await expect(promise).rejects.toThrow(
      'providers.openai.keys[0] (openai-primary): key is bound to production but Bastion runs as development; refusing to use it',
    );
  });

  it('refuses keys too short to be redacted reliably', async () => {
    const promise = loadProviderKeyRings(config, {
      env: { ...env, OPENAI_KEY_B: 'short' },
      clock: new ManualClock(),
      redactor: new Redactor(),
    });
    await expect(promise).rejects.toThrow(/openai-backup.*shorter than 8 characters/);
  });
});

describe('loadPseudonymKey', () => {
  it('resolves the configured key and registers it', async () => {
    const redactor = new Redactor();
    expect(await loadPseudonymKey(config, { env, redactor })).toEqual({ key: env.PSEUDO, ephemeral: false });
    expect(redactor.redact(`k=${env.PSEUDO}`)).toBe('k=[REDACTED:pseudonym-key]');
  });

  it('refuses a short key and a missing variable, naming audit.pseudonymKey', async () => {
    await expect(
      loadPseudonymKey(config, { env: { PSEUDO: 'too-short' }, redactor: new Redactor() }),
    ).rejects.toThrow(/^audit\.pseudonymKey: env:PSEUDO: must be at least 16 characters/);
    await expect(loadPseudonymKey(config, { env: {}, redactor: new Redactor() })).rejects.toThrow(
      'audit.pseudonymKey: env:PSEUDO: environment variable PSEUDO is not set',
    );
  });

  it('uses a random per-process key in development when none is configured, with a warning', async () => {
    const dev = validateConfig(
      {
        environment: 'development',
        providers: { openai: { keys: [{ id: 'o', secret: 'env:O' }] } },
        apps: { a: { models: ['gpt-4o'] } },
      },
      'x',
    );
    const warnings: string[] = [];
    const redactor = new Redactor();
    const first = await loadPseudonymKey(dev, { env: {}, redactor, warn: (m) => warnings.push(m) });
    const second = await loadPseudonymKey(dev, { env: {}, redactor });
    expect(first.ephemeral).toBe(true);
    expect(first.key).toMatch(/^[0-9a-f]{64}$/);
    expect(second.key).not.toBe(first.key);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/random per-process key/);
    expect(redactor.has(first.key)).toBe(true);
  });

  it('refuses a missing key outside development', async () => {
    const dev = validateConfig(
      {
        environment: 'development',
        providers: { openai: { keys: [{ id: 'o', secret: 'env:O' }] } },
        apps: { a: { models: ['gpt-4o'] } },
      },
      'x',
    );
    const staging = { ...dev, environment: 'staging' } as BastionConfig;
    await expect(loadPseudonymKey(staging, { env: {}, redactor: new Redactor() })).rejects.toThrow(
      /required in staging/,
    );
  });
});
