/**
 * Test harness: a real Bastion (createBastion, real SQLite file, real HTTP on 127.0.0.1) in front of
 * the real fake provider, with its operational log and audit log captured for assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createBastion } from '../../src/app.js';
import type { Bastion } from '../../src/app.js';
import { validateConfig } from '../../src/config/load.js';
import type { AuditEvent } from '../../src/core/audit-event.js';
import { generateGatewayKey } from '../../src/core/gateway-key.js';
import { startFakeProvider } from '../../src/fake/index.js';
import type { FakeProvider, FakeProviderOptions } from '../../src/fake/index.js';

/** Provider keys in their real formats; tests assert they never leak. */
export const OPENAI_TEST_KEY = 'sk-proj-Zq8xT3BlbkFJ4hN2vW7yK9mP3rL6sD1fG5jC0bV8nX2aQ4wE7tY';
export const ANTHROPIC_TEST_KEY = 'sk-ant-api03-Xy7Kp2Lm9Qr4Tv6Wz1Ab3Cd5Ef8Gh0Ij2Kl4Mn6Op8Qr-AbCdEfAA';
export const PSEUDONYM_TEST_KEY = 'hmac-canary-0f9e8d7c6b5a4f3e2d1c0b9a';

export class CapturedLines extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString('utf8'));
    callback();
  }
  text(): string {
    return this.chunks.join('');
  }
}

export interface TestGateway {
  readonly url: string;
  readonly key: string;
  readonly fake: FakeProvider;
  readonly bastion: Bastion;
  readonly logs: CapturedLines;
  readonly auditLines: CapturedLines;
  /** Flushes the audit queue and returns stored events, oldest first. */
  auditEvents(): Promise<AuditEvent[]>;
  /** Issues another key for an app, optionally restricted to models or already expired. */
  issueKey(options?: {
    app?: string;
    models?: string[];
    expiresAt?: number;
    revoked?: boolean;
  }): Promise<string>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  readonly fake?: FakeProviderOptions;
  /** Extra provider keys (id -> value) appended to the OpenAI key ring after the valid one. */
  readonly openaiKeys?: ReadonlyArray<{ id: string; value: string }>;
  /** Overrides merged into the default `test` app. */
  readonly app?: Record<string, unknown>;
  /** Top-level config blocks merged in (e.g. contentProfiles, alerts). */
  readonly config?: Record<string, unknown>;
  readonly limits?: Record<string, unknown>;
  /** Overrides merged into the server block (e.g. metricsToken). */
  readonly server?: Record<string, unknown>;
  /** Extra environment for secret references. */
  readonly env?: NodeJS.ProcessEnv;
  /** Origin Bastion uses for both providers instead of the fake's (e.g. a relay in front of it). */
  readonly upstreamOrigin?: (fakeUrl: string) => string | Promise<string>;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const fake = await startFakeProvider({ keys: [OPENAI_TEST_KEY, ANTHROPIC_TEST_KEY], ...options.fake });
  const origin = options.upstreamOrigin ? await options.upstreamOrigin(fake.url) : fake.url;
  const dir = mkdtempSync(join(tmpdir(), 'bastion-test-'));
  const openaiKeys = options.openaiKeys ?? [{ id: 'openai-primary', value: OPENAI_TEST_KEY }];
  const env: NodeJS.ProcessEnv = {
    ANTHROPIC_KEY: ANTHROPIC_TEST_KEY,
    PSEUDONYM_KEY: PSEUDONYM_TEST_KEY,
    ...options.env,
    ...Object.fromEntries(openaiKeys.map((key, index) => [`OPENAI_KEY_${index}`, key.value])),
  };
  const config = validateConfig(
    {
      environment: 'development',
      server: { host: '127.0.0.1', port: 0, ...options.server },
      ...(options.limits && { limits: options.limits }),
      providers: {
        openai: {
          baseUrl: `${origin}/v1`,
          timeoutMs: 5_000,
          keys: openaiKeys.map((key, index) => ({ id: key.id, secret: `env:OPENAI_KEY_${index}` })),
        },
        anthropic: {
          baseUrl: origin,
          timeoutMs: 5_000,
          keys: [{ id: 'anthropic-primary', secret: 'env:ANTHROPIC_KEY' }],
        },
      },
      apps: {
        test: {
          models: ['gpt-4o-mini', 'gpt-4o', 'claude-haiku-4-5', 'claude-sonnet-4-5'],
          maxOutputTokens: 256,
          maxInputTokens: 2_000,
          ...options.app,
        },
        other: { models: ['gpt-4o-mini'] },
      },
      audit: { stdout: false, pseudonymKey: 'env:PSEUDONYM_KEY' },
      storage: { sqlitePath: join(dir, 'bastion.db') },
      ...options.config,
    },
    'test config',
  );
  const logs = new CapturedLines();
  const auditLines = new CapturedLines();
  const bastion = await createBastion({
    config,
    env,
    logDestination: logs,
    auditDestination: auditLines,
    logLevel: 'info',
  });
  const url = await bastion.listen(0);

  const issueKey: TestGateway['issueKey'] = async (keyOptions = {}) => {
    const generated = generateGatewayKey();
    await bastion.keys.create({
      id: generated.id,
      appId: keyOptions.app ?? 'test',
      hash: generated.hash,
      label: null,
      models: keyOptions.models ?? null,
      createdAt: Date.now(),
      expiresAt: keyOptions.expiresAt ?? null,
      revokedAt: keyOptions.revoked ? Date.now() : null,
    });
    return generated.key;
  };
  const key = await issueKey();

  return {
    url,
    key,
    fake,
    bastion,
    logs,
    auditLines,
    issueKey,
    async auditEvents() {
      await bastion.audit.flush();
      return (await bastion.auditStore.query({ limit: 10_000 })).reverse();
    },
    async close() {
      await bastion.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
