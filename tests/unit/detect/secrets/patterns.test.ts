import { describe, expect, it } from 'vitest';
import { findPatternSecrets, maskSecret } from '../../../../src/detect/secrets/index.js';
import { fakeKeys } from '../../../fixtures/scan/corpus.js';

const keys = fakeKeys(7);
const rulesOf = (text: string) => findPatternSecrets(text).map((m) => m.ruleId);

describe('own secret patterns', () => {
  it.each([
    ['openai-api-key', keys.openaiLegacy],
    ['openai-api-key', keys.openaiProject],
    ['openai-api-key', keys.openaiServiceAccount],
    ['openai-api-key', keys.openaiAdmin],
    ['openai-key-marker', keys.openaiMarkerOnly],
    ['anthropic-api-key', keys.anthropic],
    ['anthropic-admin-key', keys.anthropicAdmin],
    ['aws-access-key-id', keys.awsKeyId],
    ['google-api-key', keys.google],
    ['huggingface-token', keys.huggingface],
    ['bastion-gateway-key', keys.bastion],
  ])('%s matches the whole key and nothing else', (rule, key) => {
    const matches = findPatternSecrets(`x = "${key}";`);
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ ruleId: rule, index: 5, secret: key });
  });

  it('needs context for the 32-hex Azure key and the AWS secret', () => {
    expect(rulesOf(`checksum = "${keys.azure}"`)).toEqual([]);
    expect(rulesOf(`const apiKey = "${keys.azure}"`)).toEqual([]);
    expect(rulesOf(`// Azure OpenAI\nconst apiKey = "${keys.azure}"`)).toEqual(['azure-openai-key']);
    expect(rulesOf(`"api-key": "${keys.azure}"`)).toEqual(['azure-openai-key']);
    expect(rulesOf(`value = ${keys.awsSecret}`)).toEqual([]);
    expect(rulesOf(`aws_secret_access_key = ${keys.awsSecret}`)).toEqual(['aws-secret-access-key']);
  });

  it('needs both service_account and private_key for GCP JSON', () => {
    const body = `"private_key": "${keys.privateKey}"`;
    expect(rulesOf(`{${body}}`)).toEqual([]);
    expect(rulesOf(`{"type": "service_account", ${body}}`)).toEqual(['gcp-service-account']);
  });

  it('ignores look-alikes: identifiers, short tokens, example keys, other sk- vendors', () => {
    expect(rulesOf('const sk-proj-configuration-loader-for-the-tests = 1')).toEqual([]);
    expect(rulesOf(`sk-${'a1'.repeat(30)}`)).toEqual([]); // generic sk- without the OpenAI marker
    expect(rulesOf(['AKIA', 'IOSFODNN7', 'EXAMPLE'].join(''))).toEqual([]);
    expect(rulesOf(`${['T3Blb', 'kFJ'].join('')}`)).toEqual([]);
  });

  it('masks to first 4 + … + last 4 at most, and hides short values entirely', () => {
    expect(maskSecret(keys.anthropic)).toBe(`${keys.anthropic.slice(0, 4)}…${keys.anthropic.slice(-4)}`);
    expect(maskSecret('abcdefghijklmnop')).toBe('ab…op'); // never more than a third of a short value
    expect(maskSecret('short')).toBe('[5 chars]');
  });

  // Hostile input: every pattern must stay linear. 100 KB each, bounded time.
  const adversarial: Record<string, string> = {
    'sk- repeated': 'sk-'.repeat(34_000),
    'sk-proj- + long token': `sk-proj-${'a'.repeat(100_000)}`,
    'marker repeated': ['T3Blb', 'kFJ'].join('').repeat(12_500),
    'marker in a long token': `${'a'.repeat(50_000)}${['T3Blb', 'kFJ'].join('')}${'b'.repeat(50_000)}`,
    'key-ish names': 'azure_api_key'.repeat(8_000),
    'assignments without value': 'api-key: '.repeat(11_000),
    'hex run': 'a1'.repeat(50_000),
    'AKIA repeated': 'AKIA'.repeat(25_000),
    'AIza + dashes': `AIza${'-'.repeat(100_000)}`,
    'hf_ repeated': 'hf_'.repeat(34_000),
    'bst_ repeated': 'bst_'.repeat(25_000),
    'private key without end': `{"type":"service_account","private_key": "-----BEGIN PRIVATE KEY-----${'A'.repeat(100_000)}`,
    'aws secret names': 'aws_secret_access_key='.repeat(4_600),
  };
  it.each(Object.entries(adversarial))('stays fast on %s', (_name, text) => {
    expect(text.length).toBeGreaterThanOrEqual(90_000);
    const started = performance.now();
    findPatternSecrets(text);
    expect(performance.now() - started).toBeLessThan(250);
  });
});
