/**
 * The aws-sm: source through the official @aws-sdk/client-secrets-manager against a local server
 * implementing Secrets Manager's JSON protocol, which verifies every request's SigV4 signature.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseSecretRef, type RemoteSecretRef } from '../../../src/config/secret-ref.js';
import { secretsSchema } from '../../../src/config/secrets-schema.js';
import { ManualClock } from '../../../src/core/clock.js';
import { fetchSecret, resolveSecret, SecretError } from '../../../src/secrets/resolve.js';
import { createSecretManagers } from '../../../src/secrets/sources/registry.js';
import { startFakeAwsSecretsManager, type FakeAwsSecretsManager } from './fakes/aws-secrets-manager.js';
import { signature } from './fakes/sigv4.js';

const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLEsessionTOKEN0123456789';
const CURRENT = 'sk-proj-awsCurrentKey000000000000000000001';
const PENDING = 'sk-proj-awsPendingKey000000000000000000002';
const ref = (text: string) => parseSecretRef(text) as RemoteSecretRef;

let aws: FakeAwsSecretsManager | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

const setup = async (env: Record<string, string> = {}) => {
  aws = await startFakeAwsSecretsManager('eu-west-1');
  aws.addCredentials(ACCESS_KEY_ID, { secretAccessKey: SECRET_ACCESS_KEY, sessionToken: SESSION_TOKEN });
  const config = secretsSchema.parse({
    aws: {
      region: 'eu-west-1',
      endpoint: aws.url,
      accessKeyId: 'env:AWS_KEY_ID',
      secretAccessKey: 'env:AWS_SECRET',
      sessionToken: 'env:AWS_TOKEN',
    },
  });
  const fullEnv = {
    AWS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET: SECRET_ACCESS_KEY,
    AWS_TOKEN: SESSION_TOKEN,
    ...env,
  };
  const managers = createSecretManagers(config, {
    clock: new ManualClock(),
    resolveLocal: (local) => resolveSecret(local, { env: fullEnv }),
  });
  return { fake: aws, managers, sources: { env: fullEnv, managers } };
};

describe('SigV4 verifier', () => {
  it('reproduces the signature of the example in the AWS documentation', () => {
    // "Signature Version 4 signing process" example: IAM ListUsers, 2015-08-30, us-east-1.
    const sig = signature(
      {
        method: 'GET',
        target: '/?Action=ListUsers&Version=2010-05-08',
        headers: {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          host: 'iam.amazonaws.com',
          'x-amz-date': '20150830T123600Z',
        },
        body: Buffer.alloc(0),
      },
      ['content-type', 'host', 'x-amz-date'],
      '20150830T123600Z',
      { date: '20150830', region: 'us-east-1', service: 'iam' },
      'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    );
    expect(sig).toBe('5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  });
});

describe('AWS Secrets Manager source', () => {
  it('reads AWSCURRENT through the official SDK with a verified SigV4 signature and session token', async () => {
    const { fake, managers, sources } = await setup();
    fake.put('prod/openai', CURRENT, Date.parse('2026-01-15T00:00:00Z'));
    const fetched = await fetchSecret(ref('aws-sm:prod/openai'), sources);
    expect(fetched.current.value).toBe(CURRENT);
    expect(fetched.current.createdAt).toBe(Date.parse('2026-01-15T00:00:00Z'));
    expect(fetched.next).toBeUndefined();
    expect(fake.accepted).toEqual(['DescribeSecret', 'GetSecretValue']);
    expect(fake.refused).toEqual([]);
    await managers.close();
  });

  it('is refused when the signature does not verify, and the error names the reference only', async () => {
    aws = await startFakeAwsSecretsManager('eu-west-1');
    aws.addCredentials(ACCESS_KEY_ID, { secretAccessKey: SECRET_ACCESS_KEY });
    aws.put('prod/openai', CURRENT);
    const wrong = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY000';
    const managers = createSecretManagers(
      secretsSchema.parse({
        aws: { region: 'eu-west-1', endpoint: aws.url, accessKeyId: 'env:ID', secretAccessKey: 'env:SECRET' },
      }),
      {
        clock: new ManualClock(),
        resolveLocal: (local) => resolveSecret(local, { env: { ID: ACCESS_KEY_ID, SECRET: wrong } }),
      },
    );
    const error = await fetchSecret(ref('aws-sm:prod/openai'), { env: {}, managers }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SecretError);
    expect((error as Error).message).toMatch(
      /^aws-sm:prod\/openai: AWS Secrets Manager: InvalidSignatureException \(HTTP 403\)$/,
    );
    expect((error as Error).message).not.toContain(wrong);
    expect(aws.accepted).toEqual([]);
    expect(aws.refused.map((r) => r.code)).toContain('InvalidSignatureException');
    await managers.close();
  });

  it('selects a JSON field and finds secrets by ARN', async () => {
    const { fake, managers, sources } = await setup();
    fake.put(
      'prod/llm',
      JSON.stringify({ openai: CURRENT, anthropic: 'sk-ant-api03-other00000000000000000000' }),
    );
    expect(await resolveSecret(ref('aws-sm:prod/llm#openai'), sources)).toBe(CURRENT);
    const arn = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/llm-AbCdEf`;
    expect(await resolveSecret(ref(`aws-sm:${arn}#openai`), sources)).toBe(CURRENT);
    const missing = await resolveSecret(ref('aws-sm:prod/llm#azure'), sources).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/no field "azure"/);
    fake.put('prod/plain', 'not-json-but-a-secret-value');
    const notJson = await resolveSecret(ref('aws-sm:prod/plain#key'), sources).catch((e: unknown) => e);
    expect((notJson as Error).message).toMatch(/not a JSON object/);
    expect((notJson as Error).message).not.toContain('not-json-but');
    await managers.close();
  });

  it('holds AWSPENDING as next during a rotation, and AWSCURRENT moves on promotion', async () => {
    const { fake, managers, sources } = await setup();
    fake.put('prod/openai', JSON.stringify({ api_key: CURRENT }));
    fake.stagePending('prod/openai', JSON.stringify({ api_key: PENDING }));
    const staged = await fetchSecret(ref('aws-sm:prod/openai#api_key'), sources);
    expect(staged.current.value).toBe(CURRENT);
    expect(staged.next?.value).toBe(PENDING);
    // A reference that names the stage reads exactly it.
    expect(await resolveSecret(ref('aws-sm:prod/openai#api_key?stage=AWSPENDING'), sources)).toBe(PENDING);
    const pendingId = staged.next?.version ?? '';
    expect(await resolveSecret(ref(`aws-sm:prod/openai#api_key?versionId=${pendingId}`), sources)).toBe(
      PENDING,
    );
    fake.promotePending('prod/openai');
    const promoted = await fetchSecret(ref('aws-sm:prod/openai#api_key'), sources);
    expect(promoted.current.value).toBe(PENDING);
    expect(promoted.next).toBeUndefined();
    expect(await resolveSecret(ref('aws-sm:prod/openai#api_key?stage=AWSPREVIOUS'), sources)).toBe(CURRENT);
    expect(fake.refused).toEqual([]);
    await managers.close();
  });

  it('reports the environment tag and a missing secret', async () => {
    const { fake, managers, sources } = await setup();
    fake.put('prod/openai', CURRENT);
    fake.tag('prod/openai', { environment: 'production', team: 'llm' });
    expect((await fetchSecret(ref('aws-sm:prod/openai'), sources)).environment).toBe('production');
    const missing = await fetchSecret(ref('aws-sm:prod/nothing'), sources).catch((e: unknown) => e);
    expect((missing as Error).message).toBe(
      'aws-sm:prod/nothing: AWS Secrets Manager: ResourceNotFoundException (HTTP 400)',
    );
    await managers.close();
  });
});
