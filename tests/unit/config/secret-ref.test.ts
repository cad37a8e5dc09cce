import { describe, expect, it } from 'vitest';
import {
  formatSecretRef,
  LITERAL_KEY_MESSAGE,
  looksLikeProviderKey,
  parseSecretRef,
  scrubProviderKeys,
  SecretRefError,
} from '../../../src/config/secret-ref.js';

const body = 'Qm4Rt7Yp2Lk9Xz3Cv6Bn1Hg8Jd5Fs0Aw';
const KEYS = [
  `sk-proj-${body}`,
  `sk-svcacct-${body}`,
  `sk-admin-${body}`,
  `sk-ant-api03-${body}`,
  `sk-ant-admin01-${body}`,
  `sk-${body}`,
  `xx${'T3BlbkFJ'}yy`,
];

describe('looksLikeProviderKey', () => {
  it.each(KEYS)('detects %s', (key) => {
    expect(looksLikeProviderKey(key)).toBe(true);
    expect(looksLikeProviderKey(`prefix ${key} suffix`)).toBe(true);
  });

  it.each(['sk-learn', 'task-management-system-2024-v2', 'env:OPENAI_API_KEY', 'gpt-4o-mini', 'sk-short1'])(
    'leaves %s alone',
    (text) => expect(looksLikeProviderKey(text)).toBe(false),
  );

  it('is linear on hostile input', () => {
    const start = performance.now();
    looksLikeProviderKey('sk-'.repeat(35_000));
    looksLikeProviderKey('a'.repeat(100_000));
    scrubProviderKeys('sk-a'.repeat(25_000) + ' ' + 'b'.repeat(100_000));
    expect(performance.now() - start).toBeLessThan(200);
  });
});

describe('scrubProviderKeys', () => {
  it('removes whole key tokens, including text before T3BlbkFJ', () => {
    const legacy = 'sk-Ab3De6Gh9Jk2T3BlbkFJMn5Pq8St1Vw4';
    expect(scrubProviderKeys(`bad ${legacy} and sk-proj-${body}!`)).toBe('bad [REDACTED] and [REDACTED]!');
    expect(scrubProviderKeys('abcT3BlbkFJdef')).toBe('[REDACTED]');
  });
});

describe('parseSecretRef', () => {
  it('parses env and file references', () => {
    expect(parseSecretRef('env:OPENAI_API_KEY')).toEqual({ scheme: 'env', name: 'OPENAI_API_KEY' });
    expect(parseSecretRef('file:/run/secrets/openai')).toEqual({
      scheme: 'file',
      path: '/run/secrets/openai',
    });
    expect(formatSecretRef(parseSecretRef('file:/a/b'))).toBe('file:/a/b');
    expect(formatSecretRef(parseSecretRef('env:X'))).toBe('env:X');
  });

  it.each([
    '',
    'OPENAI_API_KEY',
    'env:',
    'env:1BAD',
    'env:A-B',
    'file:relative/path',
    'consul:kv/openai',
    'http://x',
  ])('refuses %j and lists the supported forms without echoing it', (text) => {
    let message = '';
    try {
      parseSecretRef(text);
    } catch (error) {
      expect(error).toBeInstanceOf(SecretRefError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/env:|file:/);
    if (text.length > 5) expect(message).not.toContain(text);
  });

  it.each(KEYS)('refuses the literal key %s with the literal-key message', (key) => {
    expect(() => parseSecretRef(key)).toThrow(LITERAL_KEY_MESSAGE);
    expect(() => parseSecretRef(`env:${key}`)).toThrow(LITERAL_KEY_MESSAGE);
  });
});

describe('parseSecretRef: secrets managers', () => {
  it.each([
    [
      'vault:secret/data/openai#api_key?version=3',
      { scheme: 'vault', id: 'secret/data/openai', field: 'api_key', version: '3' },
    ],
    ['vault:kv/team-a/data/llm/openai', { scheme: 'vault', id: 'kv/team-a/data/llm/openai' }],
    [
      'aws-sm:prod/openai#api_key?stage=AWSPENDING',
      { scheme: 'aws-sm', id: 'prod/openai', field: 'api_key', stage: 'AWSPENDING' },
    ],
    [
      'aws-sm:arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/openai-AbCdEf?versionId=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
      {
        scheme: 'aws-sm',
        id: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/openai-AbCdEf',
        version: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
      },
    ],
    [
      'azure-kv:openai-api-key?version=0a1b2c3d',
      { scheme: 'azure-kv', id: 'openai-api-key', version: '0a1b2c3d' },
    ],
    [
      'gcp-sm:openai-api-key#key?version=latest',
      { scheme: 'gcp-sm', id: 'openai-api-key', field: 'key', version: 'latest' },
    ],
    [
      'gcp-sm:projects/acme-prod/secrets/openai?version=current',
      { scheme: 'gcp-sm', id: 'projects/acme-prod/secrets/openai', version: 'current' },
    ],
  ])('parses %s', (text, expected) => {
    const ref = parseSecretRef(text);
    expect(ref).toEqual(expected);
    expect(parseSecretRef(formatSecretRef(ref))).toEqual(ref);
  });

  it('accepts ?query before #field too', () => {
    expect(parseSecretRef('vault:secret/data/openai?version=2#key')).toEqual(
      parseSecretRef('vault:secret/data/openai#key?version=2'),
    );
  });

  it.each([
    'vault:secret/openai',
    'vault:secret/data/openai?version=x',
    'vault:secret/data/openai?stage=AWSPENDING',
    'aws-sm:prod/openai?stage=AWSPENDING&versionId=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
    'aws-sm:prod/openai#a#b',
    'aws-sm:prod openai',
    'azure-kv:bad_name',
    'gcp-sm:projects/x/secrets/',
    'gcp-sm:name?version=1&version=2',
  ])('refuses %j with an example and without echoing it', (text) => {
    let message = '';
    try {
      parseSecretRef(text);
    } catch (error) {
      expect(error).toBeInstanceOf(SecretRefError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/e\.g\. (vault|aws-sm|azure-kv|gcp-sm):/);
    expect(message).not.toContain(text.slice(text.indexOf(':') + 1));
  });

  it('still refuses a literal key hidden in a manager reference', () => {
    expect(() => parseSecretRef(`aws-sm:sk-proj-${body}`)).toThrow(LITERAL_KEY_MESSAGE);
  });
});
