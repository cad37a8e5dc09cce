/**
 * Rotation without downtime, end to end: a real gateway whose OpenAI key lives in (a local) AWS
 * Secrets Manager, streaming requests through the fake provider while the key rotates in the
 * store (AWSPENDING staged, then promoted). Every request completes; requests that start after the
 * promotion carry the new key, as the fake provider's recorded Authorization headers show.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBastion, type Bastion } from '../../../src/app.js';
import { validateConfig } from '../../../src/config/load.js';
import { generateGatewayKey } from '../../../src/core/gateway-key.js';
import { startFakeProvider, type FakeProvider } from '../../../src/fake/index.js';
import { CapturedLines } from '../../helpers/gateway.js';
import { startFakeAwsSecretsManager, type FakeAwsSecretsManager } from './fakes/aws-secrets-manager.js';

const OLD = 'sk-proj-rotateOld0000000000000000000000000001';
const NEW = 'sk-proj-rotateNew0000000000000000000000000002';
const ACCESS_KEY_ID = 'AKIAROTATION00000001';
const SECRET_ACCESS_KEY = 'rotationTestSecretAccessKey000000000000001';
const BATCH = 40;

interface Setup {
  readonly aws: FakeAwsSecretsManager;
  readonly fake: FakeProvider;
  readonly bastion: Bastion;
  readonly url: string;
  readonly gatewayKey: string;
  readonly logs: CapturedLines;
  close(): Promise<void>;
}

/** A gateway whose OpenAI key is `aws-sm:prod/openai#api_key`, in front of the fake provider. */
async function start(providerAccepts: readonly string[], pending?: string): Promise<Setup> {
  const aws = await startFakeAwsSecretsManager('us-east-1');
  aws.addCredentials(ACCESS_KEY_ID, { secretAccessKey: SECRET_ACCESS_KEY });
  aws.put('prod/openai', JSON.stringify({ api_key: OLD }));
  if (pending !== undefined) aws.stagePending('prod/openai', JSON.stringify({ api_key: pending }));
  const fake = await startFakeProvider({ keys: providerAccepts, streamChunkDelayMs: 3 });
  const dir = mkdtempSync(join(tmpdir(), 'bastion-rotation-'));
  const config = validateConfig(
    {
      environment: 'development',
      server: { host: '127.0.0.1', port: 0 },
      providers: {
        openai: {
          baseUrl: `${fake.url}/v1`,
          timeoutMs: 10_000,
          keys: [{ id: 'openai-primary', secret: 'aws-sm:prod/openai#api_key' }],
        },
      },
      apps: { test: { models: ['gpt-4o-mini'], maxOutputTokens: 64 } },
      audit: { stdout: false },
      storage: { sqlitePath: join(dir, 'bastion.db') },
      secrets: {
        // Long enough that only the explicit refreshes below run.
        refreshSeconds: 86_400,
        aws: {
          region: 'us-east-1',
          endpoint: aws.url,
          accessKeyId: 'env:AWS_ID',
          secretAccessKey: 'env:AWS_SECRET',
        },
      },
    },
    'rotation test',
  );
  const logs = new CapturedLines();
  const bastion = await createBastion({
    config,
    env: { AWS_ID: ACCESS_KEY_ID, AWS_SECRET: SECRET_ACCESS_KEY },
    logDestination: logs,
    auditDestination: null,
  });
  const url = await bastion.listen(0);
  const generated = generateGatewayKey();
  await bastion.keys.create({
    id: generated.id,
    appId: 'test',
    hash: generated.hash,
    label: null,
    models: null,
    createdAt: Date.now(),
    expiresAt: null,
    revokedAt: null,
  });
  return {
    aws,
    fake,
    bastion,
    url,
    gatewayKey: generated.key,
    logs,
    async close() {
      await bastion.close();
      await fake.close();
      await aws.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let ctx: Setup;
beforeAll(async () => {
  // The provider accepts both keys during the rotation window, like a real one does.
  ctx = await start([OLD, NEW]);
});
afterAll(() => ctx.close());

interface Streamed {
  /** Resolves when the first bytes of the stream have arrived (the request is in flight). */
  readonly started: Promise<void>;
  /** Status and the whole body once the stream has ended. */
  readonly done: Promise<{ status: number; body: string }>;
}

const stream = (index: number, setup: Setup = ctx): Streamed => {
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const done = (async () => {
    const response = await fetch(`${setup.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${setup.gatewayKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: `request ${index}` }],
      }),
    });
    const decoder = new TextDecoder();
    let body = '';
    for await (const chunk of response.body ?? []) {
      body += decoder.decode(chunk as Uint8Array, { stream: true });
      markStarted();
    }
    markStarted();
    return { status: response.status, body };
  })();
  return { started, done };
};

const authHeaders = (from: number, setup: Setup = ctx): string[] =>
  setup.fake.received.slice(from).map((request) => String(request.headers['authorization']));

describe('provider key rotation under streaming load', () => {
  it('stages AWSPENDING, promotes it, and drops no request in flight', async () => {
    const first = Array.from({ length: BATCH }, (_, i) => stream(i));
    await Promise.all(first.map((s) => s.started));

    // Rotation step 1 (createSecret): the new key is staged; traffic stays on the current key.
    ctx.aws.stagePending('prod/openai', JSON.stringify({ api_key: NEW }));
    const staged = await ctx.bastion.refreshSecrets();
    expect(staged).toEqual([{ provider: 'openai', id: 'openai-primary', outcome: 'staged' }]);
    const receivedBeforeStaged = ctx.fake.received.length;
    const second = Array.from({ length: BATCH }, (_, i) => stream(BATCH + i));
    await Promise.all(second.map((s) => s.started));
    expect(new Set(authHeaders(receivedBeforeStaged))).toEqual(new Set([`Bearer ${OLD}`]));

    // Rotation step 2 (finishSecret): AWSCURRENT moves; the gateway promotes while streams are open.
    ctx.aws.promotePending('prod/openai');
    let promotedYet = false;
    let finishedAfterPromotion = 0;
    for (const s of [...first, ...second])
      void s.done.then(() => {
        if (promotedYet) finishedAfterPromotion++;
      });
    const promoted = await ctx.bastion.refreshSecrets();
    promotedYet = true;
    expect(promoted).toEqual([{ provider: 'openai', id: 'openai-primary', outcome: 'promoted' }]);
    const receivedBeforePromotion = ctx.fake.received.length;
    const third = Array.from({ length: BATCH }, (_, i) => stream(2 * BATCH + i));

    const results = await Promise.all([...first, ...second, ...third].map((s) => s.done));
    expect(results).toHaveLength(3 * BATCH);
    // Streams opened with the old key were still running when the new key was promoted, and finished.
    expect(finishedAfterPromotion).toBeGreaterThan(0);
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.body).toContain('data: [DONE]');
      expect(result.body).not.toContain('"error"');
    }
    // Every request that reached the provider after the promotion used the new key.
    expect(authHeaders(receivedBeforePromotion)).toHaveLength(BATCH);
    expect(new Set(authHeaders(receivedBeforePromotion))).toEqual(new Set([`Bearer ${NEW}`]));
    expect(authHeaders(0).filter((h) => h === `Bearer ${OLD}`)).toHaveLength(2 * BATCH);
    // Neither key reached the operational log; the promotion did, by id.
    expect(ctx.logs.text()).not.toContain(OLD);
    expect(ctx.logs.text()).not.toContain(NEW);
    expect(ctx.logs.text()).toContain('provider_key.promoted');
    expect(ctx.aws.refused).toEqual([]);
  });

  it('fails over to the staged key when the provider already refuses the current one', async () => {
    // The rotation set the new key at the provider and revoked the old one before finishSecret ran.
    const early = await start([NEW], NEW);
    try {
      const results = [await stream(0, early).done];
      results.push(...(await Promise.all(Array.from({ length: 4 }, (_, i) => stream(i + 1, early).done))));
      for (const result of results) {
        expect(result.status).toBe(200);
        expect(result.body).toContain('data: [DONE]');
      }
      // The first request met the 401 on the old key; the key rests and the rest go straight to next.
      expect(authHeaders(0, early).filter((h) => h === `Bearer ${OLD}`)).toHaveLength(1);
      expect(authHeaders(0, early).filter((h) => h === `Bearer ${NEW}`)).toHaveLength(5);
      const events = await (async () => {
        await early.bastion.audit.flush();
        return early.bastion.auditStore.query({ limit: 10 });
      })();
      expect(new Set(events.map((event) => event.providerKeyId))).toEqual(new Set(['openai-primary+next']));
      expect(early.logs.text()).not.toContain(NEW);
    } finally {
      await early.close();
    }
  });
});
