import { describe, expect, it } from 'vitest';
import { demoConfig, envConfig } from '../../../src/config/defaults.js';
import { initTemplate } from '../../../src/config/init-template.js';
import { ConfigError, parseConfig } from '../../../src/config/load.js';
import { buildAppPolicies } from '../../../src/config/policies.js';

describe('demoConfig', () => {
  it('points both providers at the fake provider and allows the demo models', () => {
    const config = demoConfig({ fakeProviderUrl: 'http://127.0.0.1:4010/', sqlitePath: '/tmp/demo.db' });
    expect(config.providers.openai?.baseUrl).toBe('http://127.0.0.1:4010/v1');
    expect(config.providers.anthropic?.baseUrl).toBe('http://127.0.0.1:4010');
    expect(config.providers.openai?.keys[0]?.secret).toEqual({
      scheme: 'env',
      name: 'BASTION_DEMO_PROVIDER_KEY',
    });
    expect(config.providers.anthropic?.keys[0]?.secret).toEqual({
      scheme: 'env',
      name: 'BASTION_DEMO_PROVIDER_KEY',
    });
    expect(config.storage.sqlitePath).toBe('/tmp/demo.db');
    expect(Object.isFrozen(config)).toBe(true);
    const models = buildAppPolicies(config).get('demo')?.models;
    expect(Object.fromEntries(models ?? [])).toEqual({
      'gpt-4o-mini': 'openai',
      'gpt-4o': 'openai',
      'claude-haiku-4-5': 'anthropic',
      'claude-sonnet-4-5': 'anthropic',
    });
  });

  it('accepts a port and refuses a non-loopback plain-http fake provider', () => {
    expect(demoConfig({ fakeProviderUrl: 'http://localhost:1', sqlitePath: 'x', port: 0 }).server.port).toBe(
      0,
    );
    expect(() => demoConfig({ fakeProviderUrl: 'http://10.0.0.1:1', sqlitePath: 'x' })).toThrow(ConfigError);
  });
});

describe('envConfig', () => {
  it('configures only the providers whose keys are present', () => {
    const openaiOnly = envConfig({ openai: true, anthropic: false, sqlitePath: 'x.db' });
    expect(openaiOnly.providers.anthropic).toBeUndefined();
    expect(openaiOnly.providers.openai?.baseUrl).toBe('https://api.openai.com/v1');
    expect(openaiOnly.providers.openai?.keys[0]?.secret).toEqual({ scheme: 'env', name: 'OPENAI_API_KEY' });
    expect(openaiOnly.apps.default?.models.map((m) => m.name)).toEqual(['gpt-4o-mini', 'gpt-4o']);

    const both = envConfig({ openai: true, anthropic: true, sqlitePath: 'x.db' });
    expect(both.providers.anthropic?.baseUrl).toBe('https://api.anthropic.com');
    expect(both.providers.anthropic?.keys[0]?.secret).toEqual({ scheme: 'env', name: 'ANTHROPIC_API_KEY' });
    expect(both.apps.default?.models).toHaveLength(4);
  });

  it('refuses when no provider key is present', () => {
    expect(() => envConfig({ openai: false, anthropic: false, sqlitePath: 'x.db' })).toThrow(
      /OPENAI_API_KEY/,
    );
  });
});

describe('initTemplate', () => {
  const text = initTemplate();

  it('validates and is production-minded', () => {
    const config = parseConfig(text, 'init');
    expect(config.environment).toBe('production');
    expect(config.apps.default?.outputCapPolicy).toBe('clamp');
    expect(config.apps.default?.maxOutputTokens).toBeLessThanOrEqual(1024);
    expect(config.audit.pseudonymKey).toBeDefined();
    expect(config.server.host).toBe('127.0.0.1');
  });

  it('documents every option', () => {
    for (const option of [
      'environment',
      'host',
      'port',
      'maxBodyBytes',
      'maxJsonDepth',
      'maxHeaderBytes',
      'requestTimeoutMs',
      'baseUrl',
      'timeoutMs',
      'keys',
      'tokenCounting',
      'models',
      'maxInputTokens',
      'maxOutputTokens',
      'outputCapPolicy',
      'maxChoices',
      'maxMessages',
      'maxTools',
      'stdout',
      'file',
      'pseudonymKey',
      'sqlitePath',
    ]) {
      expect(text, option).toMatch(new RegExp(`^ *(- )?${option}:`, 'm'));
    }
    expect(text.split('\n').filter((line) => line.trim().startsWith('#')).length).toBeGreaterThan(30);
  });
});
