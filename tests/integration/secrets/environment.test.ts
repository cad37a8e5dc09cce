/**
 * Environment binding of provider keys held in a secrets manager: by the config's `environment`
 * field, and by the manager's own `environment` tag (checked at startup and at every refresh).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBastion } from '../../../src/app.js';
import { ConfigError, parseConfig } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/core/clock.js';
import { loadProviderKeys } from '../../../src/secrets/load-provider-keys.js';
import { Redactor } from '../../../src/secrets/redactor.js';
import type { SecretAlert } from '../../../src/secrets/refresher.js';
import { resolveSecret, SecretError } from '../../../src/secrets/resolve.js';
import { createSecretManagers } from '../../../src/secrets/sources/registry.js';
import { startFakeAwsSecretsManager, type FakeAwsSecretsManager } from './fakes/aws-secrets-manager.js';

const PROD_KEY = 'sk-proj-productionOnly00000000000000000001';
const ID = 'AKIAENVTEST000000001';
const SECRET = 'envTestSecretAccessKey0000000000000000001';

let aws: FakeAwsSecretsManager | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

const yaml = (environment: string, endpoint: string, keyEnvironment = '') => `environment: ${environment}
providers:
  openai:
    keys:
      - { id: openai-primary, secret: 'aws-sm:llm/openai#api_key'${keyEnvironment === '' ? '' : `, environment: ${keyEnvironment}`} }
apps: { default: { models: [gpt-4o] } }
audit: { pseudonymKey: env:PSEUDO }
secrets:
  aws: { region: us-east-1, endpoint: '${endpoint}', accessKeyId: env:AWS_ID, secretAccessKey: env:AWS_SECRET }
`;

const loadFor = async (environment: string) => {
  aws = await startFakeAwsSecretsManager('us-east-1');
  aws.addCredentials(ID, { secretAccessKey: SECRET });
  aws.put('llm/openai', JSON.stringify({ api_key: PROD_KEY }));
  aws.tag('llm/openai', { environment: 'production' });
  const config = parseConfig(yaml(environment, aws.url), 'bastion.yaml');
  const env = { AWS_ID: ID, AWS_SECRET: SECRET };
  const managers = createSecretManagers(config.secrets, {
    clock: new ManualClock(),
    resolveLocal: (ref) => resolveSecret(ref, { env }),
  });
  const alerts: SecretAlert[] = [];
  const load = () =>
    loadProviderKeys(config, {
      env,
      managers,
      clock: new ManualClock(),
      redactor: new Redactor(),
      alert: (alert) => alerts.push(alert),
    });
  return { load, managers, alerts, fake: aws };
};

describe('environment binding of manager-held keys', () => {
  it('refuses to start when the manager tags the key for another environment, naming the reference only', async () => {
    const { load, managers } = await loadFor('staging');
    const error = await load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretError);
    expect((error as Error).message).toBe(
      'providers.openai.keys[0] (openai-primary): aws-sm:llm/openai#api_key: the secrets manager binds this secret to production but Bastion runs as staging; refusing to use it',
    );
    expect((error as Error).message).not.toContain(PROD_KEY);
    await managers.close();
  });

  it('starts when the tag matches, and a later re-tag fails the refresh (last good value kept, alert raised)', async () => {
    const { load, managers, alerts, fake } = await loadFor('production');
    const { rings, refresher } = await load();
    expect(rings.get('openai')?.pick()?.value).toBe(PROD_KEY);
    fake.tag('llm/openai', { environment: 'development' });
    const [result] = await refresher.refresh();
    expect(result?.outcome).toBe('failed');
    expect(rings.get('openai')?.pick()?.value).toBe(PROD_KEY);
    expect(alerts.map((a) => a.kind)).toEqual(['secret.refresh_failed']);
    expect(alerts[0]?.message).toMatch(/binds this secret to development but Bastion runs as production/);
    await managers.close();
  });

  it('refuses a config whose key is bound to another environment before any manager is asked', () => {
    let error: unknown;
    try {
      parseConfig(yaml('production', 'http://127.0.0.1:9', 'staging'), 'bastion.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]).toMatchObject({
      path: 'providers.openai.keys[0].environment',
      message: expect.stringMatching(/bound to staging but this config is for production/),
    });
  });

  it('stops the gateway at startup with the reference and the reason when a key cannot be read', async () => {
    aws = await startFakeAwsSecretsManager('us-east-1');
    aws.addCredentials(ID, { secretAccessKey: SECRET });
    const dir = mkdtempSync(join(tmpdir(), 'bastion-startup-'));
    try {
      const config = parseConfig(
        `${yaml('development', aws.url)}storage: { sqlitePath: ${join(dir, 'bastion.db')} }\n`,
        'bastion.yaml',
      );
      const error = await createBastion({
        config,
        env: { AWS_ID: ID, AWS_SECRET: SECRET, PSEUDO: 'pseudonym-key-0123456789' },
        logDestination: { file: join(dir, 'log') },
        auditDestination: null,
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SecretError);
      expect((error as Error).message).toBe(
        'providers.openai.keys[0] (openai-primary): aws-sm:llm/openai#api_key: AWS Secrets Manager: ResourceNotFoundException (HTTP 400)',
      );
      expect((error as Error).message).not.toContain(SECRET);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
