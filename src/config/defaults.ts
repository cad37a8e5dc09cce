/**
 * Built-in configs for running without a bastion.yaml: demo mode (against the fake provider) and
 * `npm start` with provider keys in the environment. Both go through the same validation as a file.
 */
import { ConfigError } from './errors.js';
import { validateConfig } from './load.js';
import type { BastionConfig } from './schema.js';

export interface DemoConfigOptions {
  /** Base URL of the fake provider, e.g. `http://127.0.0.1:4010` (no trailing `/v1`). */
  readonly fakeProviderUrl: string;
  readonly sqlitePath: string;
  /** Listening port; defaults to 8080. */
  readonly port?: number;
}

export const DEMO_KEY_REF = 'env:BASTION_DEMO_PROVIDER_KEY';

export const demoConfig = ({ fakeProviderUrl, sqlitePath, port }: DemoConfigOptions): BastionConfig => {
  const base = fakeProviderUrl.replace(/\/+$/, '');
  return validateConfig(
    {
      environment: 'development',
      server: { host: '127.0.0.1', ...(port === undefined ? {} : { port }) },
      providers: {
        openai: { baseUrl: `${base}/v1`, keys: [{ id: 'demo-openai', secret: DEMO_KEY_REF }] },
        anthropic: { baseUrl: base, keys: [{ id: 'demo-anthropic', secret: DEMO_KEY_REF }] },
      },
      apps: { demo: { models: ['gpt-4o-mini', 'gpt-4o', 'claude-haiku-4-5', 'claude-sonnet-4-5'] } },
      storage: { sqlitePath },
    },
    'demo config',
  );
};

export interface EnvConfigOptions {
  /** OPENAI_API_KEY is set. */
  readonly openai: boolean;
  /** ANTHROPIC_API_KEY is set. */
  readonly anthropic: boolean;
  readonly sqlitePath: string;
  readonly port?: number;
}

/** Real providers, keys from OPENAI_API_KEY / ANTHROPIC_API_KEY, one app `default`. */
export const envConfig = ({ openai, anthropic, sqlitePath, port }: EnvConfigOptions): BastionConfig => {
  if (!openai && !anthropic) {
    throw new ConfigError('environment', [
      { path: 'providers', message: 'set OPENAI_API_KEY and/or ANTHROPIC_API_KEY, or pass a config file' },
    ]);
  }
  const models = [
    ...(openai ? ['gpt-4o-mini', 'gpt-4o'] : []),
    ...(anthropic ? ['claude-haiku-4-5', 'claude-sonnet-4-5'] : []),
  ];
  return validateConfig(
    {
      environment: 'development',
      server: { host: '127.0.0.1', ...(port === undefined ? {} : { port }) },
      providers: {
        ...(openai ? { openai: { keys: [{ id: 'openai-env', secret: 'env:OPENAI_API_KEY' }] } } : {}),
        ...(anthropic
          ? { anthropic: { keys: [{ id: 'anthropic-env', secret: 'env:ANTHROPIC_API_KEY' }] } }
          : {}),
      },
      apps: { default: { models } },
      storage: { sqlitePath },
    },
    'environment config',
  );
};
