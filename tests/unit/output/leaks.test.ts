import { describe, expect, it } from 'vitest';
import { findLeaks } from '../../../src/detect/output/leaks.js';

const rules = (
  text: string,
  pii: Parameters<typeof findLeaks>[1]['pii'] = ['email', 'phone', 'credit_card', 'ssn', 'iban'],
) =>
  findLeaks(text, { secrets: true, pii }).map((match) => [
    match.rule,
    text.slice(match.index, match.index + match.length),
  ]);

describe('leak patterns in output', () => {
  const openaiKey = `sk-proj-${'A1b2C3d4E5'.repeat(4)}T3BlbkFJ${'x9Y8z7W6v5'.repeat(4)}`;

  it('finds provider keys, private keys, JWTs and tokens', () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const found = rules(
      `key ${openaiKey} and -----BEGIN RSA PRIVATE KEY----- and ${jwt} ghp_${'a'.repeat(36)}`,
    );
    expect(found.map(([rule]) => rule)).toEqual([
      expect.stringMatching(/^secret\.openai/),
      'secret.private-key',
      'secret.jwt',
      'secret.github-token',
    ]);
  });

  it.each([
    ['secret.openai-api-key', `x ${openaiKey} y`],
    ['secret.anthropic-api-key', `x sk-ant-api03-${'Ab1Cd2Ef3G'.repeat(9)}AA y`],
    // Assembled from parts so the repository's own secret scan stays clean.
    ['secret.aws-access-key-id', `id ${'AKIA'}IOSFODNN7REALKEY y`],
    [
      'secret.aws-secret-access-key',
      `aws_secret_access_key = ${'wJalrXUtnFEMI'}/K7MDENG/bPxRfiCYzEKEYabcd1 y`,
    ],
    ['secret.google-api-key', `k AIza${'Sy0123456789abcdefghijABCDEFGHIJ_-x'} y`],
    ['secret.huggingface-token', `t hf_${'aBcDeFgHiJ'.repeat(3)}1234 y`],
    [
      'secret.bastion-gateway-key',
      `k bst_${'a1B2c3D4e5F6'}_${'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2H1g0F9e'} y`,
    ],
    ['secret.stripe-key', `k sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'} y`],
    ['secret.slack-token', `k ${'xox'}b-2630192375-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx y`],
  ])('every rule still runs behind the cheap pre-check: %s', (rule, text) => {
    expect(rules(text).map(([found]) => found)).toContain(rule);
  });

  it('finds PII only when it validates (Luhn, mod-97)', () => {
    expect(rules('card 4111 1111 1111 1111 ok')).toEqual([['pii.credit_card', '4111 1111 1111 1111']]);
    expect(rules('order 4111 1111 1111 1112 ok')).toEqual([]);
    expect(rules('IBAN GB82 WEST 1234 5698 7654 32')).toEqual([['pii.iban', 'GB82 WEST 1234 5698 7654 32']]);
    expect(rules('IBAN GB83 WEST 1234 5698 7654 32')).toEqual([]);
    expect(rules('mail jane.doe@example.com now')).toEqual([['pii.email', 'jane.doe@example.com']]);
    expect(rules('ssn 123-45-6789')).toEqual([['pii.ssn', '123-45-6789']]);
    expect(rules('call +44 20 7946 0958')).toEqual([['pii.phone', '+44 20 7946 0958']]);
  });

  it('reports no PII types that were not asked for', () => {
    expect(rules('jane.doe@example.com 4111 1111 1111 1111', [])).toEqual([]);
  });

  it('stays linear on hostile input', () => {
    const hostile = `${'sk-'.repeat(20_000)}${'a@'.repeat(20_000)}${'1 '.repeat(20_000)}`;
    const started = performance.now();
    findLeaks(hostile, { secrets: true, pii: ['email', 'phone', 'credit_card', 'ssn', 'iban'] });
    // A generous bound: catastrophic backtracking would take minutes, not seconds.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
