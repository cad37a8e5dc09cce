/**
 * A secrets manager that is down during a refresh (Vault answering 500 like a sealed Vault, AWS
 * Secrets Manager answering InternalServiceError) while a new key version is waiting: the key ring
 * keeps the last good value, one alert names the reference (never a value), later failures of the
 * same streak stay quiet, and the first good refresh after it alerts recovery and promotes the new key.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/core/clock.js';
import { loadProviderKeys } from '../../../src/secrets/load-provider-keys.js';
import { Redactor } from '../../../src/secrets/redactor.js';
import type { SecretAlert } from '../../../src/secrets/refresher.js';
import { resolveSecret } from '../../../src/secrets/resolve.js';
import { createSecretManagers } from '../../../src/secrets/sources/registry.js';
import { startFakeAwsSecretsManager } from './fakes/aws-secrets-manager.js';
import { startFakeVault } from './fakes/vault.js';

const OLD = 'sk-proj-outageOldKey0000000000000000000001';
const NEW = 'sk-proj-outageNewKey0000000000000000000002';
const VAULT_TOKEN = 'hvs.outage-test-token-0001';
const AWS_ID = 'AKIAOUTAGETEST000001';
const AWS_SECRET = 'outageTestSecretAccessKey000000000000001';

interface Manager {
  /** The `secrets:` block and the key reference for this manager. */
  readonly secrets: string;
  readonly ref: string;
  readonly env: Record<string, string>;
  /** Writes a new version of the key, as a rotation would. */
  rotate(value: string): void;
  failReads(on: boolean): void;
  close(): Promise<void>;
}

const managers: Record<string, () => Promise<Manager>> = {
  async vault() {
    const fake = await startFakeVault();
    fake.addToken(VAULT_TOKEN);
    fake.put('secret/data/llm/openai', { api_key: OLD });
    return {
      secrets: `vault: { address: '${fake.url}', auth: { method: token, token: env:VAULT_TOKEN } }`,
      ref: 'vault:secret/data/llm/openai#api_key',
      env: { VAULT_TOKEN },
      rotate: (value) => void fake.put('secret/data/llm/openai', { api_key: value }),
      failReads: (on) => fake.failReads(on),
      close: () => fake.close(),
    };
  },
  async aws() {
    const fake = await startFakeAwsSecretsManager('us-east-1');
    fake.addCredentials(AWS_ID, { secretAccessKey: AWS_SECRET });
    fake.put('llm/openai', JSON.stringify({ api_key: OLD }));
    return {
      secrets: `aws: { region: us-east-1, endpoint: '${fake.url}', accessKeyId: env:AWS_ID, secretAccessKey: env:AWS_SECRET }`,
      ref: 'aws-sm:llm/openai#api_key',
      env: { AWS_ID, AWS_SECRET },
      rotate: (value) => void fake.put('llm/openai', JSON.stringify({ api_key: value })),
      failReads: (on) => fake.failReads(on),
      close: () => fake.close(),
    };
  },
};

let opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of opened.reverse()) await close();
  opened = [];
});

describe.each(Object.keys(managers))('%s down during a refresh', (name) => {
  it('keeps the last good key, alerts once per streak by reference, then recovers and promotes', async () => {
    const manager = await (managers[name] as () => Promise<Manager>)();
    opened.push(() => manager.close());
    const config = parseConfig(
      `environment: development
providers:
  openai:
    keys:
      - { id: openai-primary, secret: '${manager.ref}' }
apps: { default: { models: [gpt-4o] } }
secrets:
  ${manager.secrets}
`,
      'bastion.yaml',
    );
    const clock = new ManualClock();
    const redactor = new Redactor();
    const secretManagers = createSecretManagers(config.secrets, {
      clock,
      resolveLocal: (ref) => resolveSecret(ref, { env: manager.env }),
    });
    opened.push(() => secretManagers.close());
    const alerts: SecretAlert[] = [];
    const { rings, refresher } = await loadProviderKeys(config, {
      env: manager.env,
      managers: secretManagers,
      clock,
      redactor,
      alert: (alert) => alerts.push(alert),
    });
    const ring = rings.get('openai');
    expect(ring?.pick()?.value).toBe(OLD);

    manager.rotate(NEW);
    manager.failReads(true);
    const [failed] = await refresher.refresh();
    expect(failed).toMatchObject({ id: 'openai-primary', outcome: 'failed' });
    expect(failed?.reason).toContain(manager.ref);
    expect(ring?.pick()?.value).toBe(OLD);
    expect(alerts).toEqual([
      {
        kind: 'secret.refresh_failed',
        severity: 'warning',
        subject: { provider: 'openai', key: 'openai-primary', ref: manager.ref, failures: 1 },
        message: expect.stringMatching(/; keeping the last good value$/),
      },
    ]);
    // Still down: counted, but the streak does not alert again.
    await refresher.refresh();
    expect(refresher.failures('openai-primary')).toBe(2);
    expect(alerts).toHaveLength(1);
    expect(ring?.pick()?.value).toBe(OLD);

    manager.failReads(false);
    const [recovered] = await refresher.refresh();
    expect(recovered?.outcome).toBe('promoted');
    expect(ring?.pick()?.value).toBe(NEW);
    expect(refresher.failures('openai-primary')).toBe(0);
    expect(alerts.map((alert) => alert.kind)).toEqual([
      'secret.refresh_failed',
      'secret.refresh_recovered',
      'provider_key.promoted',
    ]);
    const text = JSON.stringify(alerts);
    expect(text).not.toContain(OLD);
    expect(text).not.toContain(NEW);
    expect(redactor.redact(NEW)).toBe('[REDACTED:openai-primary]');
  });
});
