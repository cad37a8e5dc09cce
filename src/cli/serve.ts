import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createBastion } from '../app.js';
import type { Bastion } from '../app.js';
import { demoConfig, envConfig } from '../config/defaults.js';
import type { BastionConfig } from '../config/schema.js';
import { generateGatewayKey } from '../core/gateway-key.js';
import { startFakeProvider } from '../fake/index.js';
import type { FakeProvider } from '../fake/index.js';
import { hasConfigFile, loadCliConfig } from './config-file.js';
import type { CliIO } from './io.js';

export interface ServeOptions {
  readonly config?: string;
  readonly port?: number;
}

export interface RunningGateway {
  readonly bastion: Bastion;
  readonly url: string;
  readonly fake: FakeProvider | undefined;
  readonly demoKey: string | undefined;
  stop(): Promise<void>;
}

type Mode = { kind: 'config'; config: BastionConfig } | { kind: 'env' } | { kind: 'demo' };

async function chooseMode(io: CliIO, options: ServeOptions): Promise<Mode> {
  if (options.config !== undefined || hasConfigFile(io, undefined)) {
    return { kind: 'config', config: await loadCliConfig(io, options.config) };
  }
  if (io.env.OPENAI_API_KEY || io.env.ANTHROPIC_API_KEY) return { kind: 'env' };
  return { kind: 'demo' };
}

/**
 * `bastion serve`: with a config file, runs it. Without one, proxies to the real providers when
 * OPENAI_API_KEY / ANTHROPIC_API_KEY are set, and otherwise starts a labelled demo mode against the
 * built-in fake provider, printing a ready-to-use client key.
 */
export async function serve(io: CliIO, options: ServeOptions): Promise<RunningGateway> {
  const mode = await chooseMode(io, options);
  const dataDir = resolve(io.cwd, '.bastion');
  let fake: FakeProvider | undefined;
  let config: BastionConfig;
  let env = io.env;
  if (mode.kind === 'config') {
    config = mode.config;
  } else if (mode.kind === 'env') {
    config = envConfig({
      openai: Boolean(io.env.OPENAI_API_KEY),
      anthropic: Boolean(io.env.ANTHROPIC_API_KEY),
      sqlitePath: resolve(dataDir, 'bastion.db'),
    });
  } else {
    fake = await startFakeProvider({ record: false });
    config = demoConfig({ fakeProviderUrl: fake.url, sqlitePath: resolve(dataDir, 'demo.db') });
    env = { ...io.env, BASTION_DEMO_PROVIDER_KEY: `demo-${randomBytes(16).toString('hex')}` };
  }

  const bastion = await createBastion({ config, env });
  let demoKey: string | undefined;
  if (mode.kind !== 'config')
    demoKey = await issueStartupKey(bastion, Object.keys(config.apps)[0] ?? 'default');
  const url = await bastion.listen(options.port);

  if (mode.kind === 'demo') io.err(demoBanner(url, demoKey ?? ''));
  else if (mode.kind === 'env') io.err(envBanner(url, demoKey ?? '', config));
  else io.err(`Bastion listening on ${url} (environment: ${config.environment})`);

  return {
    bastion,
    url,
    fake,
    demoKey,
    async stop() {
      await bastion.close();
      await fake?.close();
    },
  };
}

async function issueStartupKey(bastion: Bastion, appId: string): Promise<string> {
  const generated = generateGatewayKey();
  await bastion.keys.create({
    id: generated.id,
    appId,
    hash: generated.hash,
    label: 'issued at startup',
    models: null,
    createdAt: Date.now(),
    // Startup keys are for trying things out: they expire after a day.
    expiresAt: Date.now() + 86_400_000,
    revokedAt: null,
  });
  return generated.key;
}

const examples = (url: string, key: string, model: string): string => `
  Client key (expires in 24 h):  ${key}

  curl ${url}/v1/chat/completions \\
    -H "Authorization: Bearer ${key}" -H "content-type: application/json" \\
    -d '{"model":"${model}","messages":[{"role":"user","content":"Hello"}]}'

  // Node, official SDK
  import OpenAI from 'openai';
  const client = new OpenAI({ baseURL: '${url}/v1', apiKey: '${key}' });
  const reply = await client.chat.completions.create({
    model: '${model}', messages: [{ role: 'user', content: 'Hello' }] });
`;

const demoBanner = (url: string, key: string): string => `
==========================================================================================
  BASTION DEMO MODE: no provider key configured. Answers come from the built-in FAKE provider.
  Set OPENAI_API_KEY / ANTHROPIC_API_KEY, or run \`bastion init\` + \`bastion serve --config\`,
  to proxy to the real providers.
==========================================================================================
  Bastion listening on ${url}
${examples(url, key, 'gpt-4o-mini')}
  Anthropic SDK: new Anthropic({ baseURL: '${url}', apiKey: '${key}' })  (model claude-haiku-4-5)
`;

const envBanner = (url: string, key: string, config: BastionConfig): string => {
  const app = Object.values(config.apps)[0];
  const first = app?.models[0];
  const model = typeof first === 'string' ? first : (first?.name ?? 'gpt-4o-mini');
  return `Bastion listening on ${url}, proxying to ${Object.keys(config.providers).join(' and ')} (keys from the environment).\n${examples(url, key, model)}`;
};
