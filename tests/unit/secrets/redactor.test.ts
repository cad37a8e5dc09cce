import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../src/secrets/redactor.js';

const OPENAI = ['sk', 'proj', 'Hq2Wn8Zr5Tv1Lm4Xc7Bp0Ks3Jd6Fg9Ya'].join('-');
const ANTHROPIC = ['sk', 'ant', 'api03', 'Pl5Ok8Ij1Uh4Yg7Tf0Rd3Es6Wa9Qz2Xc'].join('-');
const CUSTOM = 'fake-provider-secret-0001';

const redactor = (): Redactor => {
  const r = new Redactor();
  r.add(OPENAI, 'openai-primary');
  r.add(ANTHROPIC, 'anthropic-primary');
  r.add(CUSTOM, 'demo');
  return r;
};

describe('Redactor', () => {
  it('replaces every occurrence of each registered secret with its label', () => {
    const r = redactor();
    const text = `a=${CUSTOM} b=${OPENAI} again ${CUSTOM}; ${ANTHROPIC}`;
    expect(r.redact(text)).toBe(
      'a=[REDACTED:demo] b=[REDACTED:openai-primary] again [REDACTED:demo]; [REDACTED:anthropic-primary]',
    );
    expect(r.has(text)).toBe(true);
  });

  it('removes a secret embedded in JSON and URLs', () => {
    const r = redactor();
    expect(r.redact(JSON.stringify({ auth: `Bearer ${CUSTOM}` }))).toBe('{"auth":"Bearer [REDACTED:demo]"}');
    expect(r.redact(`https://x/?k=${CUSTOM}&z=1`)).toBe('https://x/?k=[REDACTED:demo]&z=1');
  });

  it('catches the masked forms providers echo', () => {
    const r = redactor();
    const tail = OPENAI.slice(-4);
    expect(r.redact(`Incorrect API key provided: sk-proj-****${tail}. You can find`)).toBe(
      'Incorrect API key provided: [REDACTED:openai-primary]. You can find',
    );
    expect(r.redact('Incorrect API key provided: sk-proj-********************abcd.')).toBe(
      'Incorrect API key provided: [REDACTED:openai-key].',
    );
    expect(r.redact('key sk-abc*************wxyz here')).toBe('key [REDACTED:openai-key] here');
  });

  it('registers the masked echoes of every loaded secret, with its label', () => {
    const r = redactor();
    const tail = OPENAI.slice(-4);
    expect(r.redact(`Incorrect API key provided: sk-...${tail}.`)).toBe(
      'Incorrect API key provided: [REDACTED:openai-primary].',
    );
    expect(r.redact(`key sk-proj-…${tail} refused`)).toBe('key [REDACTED:openai-primary] refused');
    // A key without a provider prefix (Azure OpenAI, a manager token) keeps its first three characters.
    const azure = '9f3a7c21be8d4e0f9a6b5c4d3e2f1a0b';
    r.add(azure, 'azure-openai');
    expect(r.redact(`api-key 9f3...1a0b and 9f3********1a0b`)).toBe(
      'api-key [REDACTED:azure-openai] and [REDACTED:azure-openai]',
    );
    // Only the secret's own prefix and tail match: other text with dots is left alone.
    expect(r.redact('9f3...1a0c, abc...1a0b, loading...')).toBe('9f3...1a0c, abc...1a0b, loading...');
  });

  it('catches unregistered provider-key-shaped tokens', () => {
    const r = new Redactor();
    expect(r.redact(`x ${'sk-ant-admin01-' + 'Zz9'.repeat(10)} y`)).toBe('x [REDACTED:anthropic-key] y');
    expect(r.redact(`x sk-${'Ab1'.repeat(16)} y`)).toBe('x [REDACTED:openai-key] y');
    expect(r.redact(`x Ab1${'T3BlbkFJ'}Cd2 y`)).toBe('x [REDACTED:openai-key] y');
  });

  it('leaves ordinary text untouched and returns the same string', () => {
    const r = redactor();
    const text = 'task-management-system uses sk-learn and a desk-lamp; nothing secret here';
    expect(r.redact(text)).toBe(text);
    expect(r.has(text)).toBe(false);
  });

  it('ignores secrets shorter than 8 characters', () => {
    const r = new Redactor();
    r.add('short', 'x');
    expect(r.size).toBe(0);
    expect(r.redact('a short word')).toBe('a short word');
  });

  it('removes a secret that contains another secret whole', () => {
    const r = new Redactor();
    r.add('inner-secret-123', 'inner');
    r.add('outer-inner-secret-123-tail', 'outer');
    expect(r.redact('[outer-inner-secret-123-tail] [inner-secret-123]')).toBe(
      '[[REDACTED:outer]] [[REDACTED:inner]]',
    );
  });

  it('escapes regex metacharacters in secrets', () => {
    const r = new Redactor();
    r.add('a.b*c+d?(e)[f]$', 'meta');
    expect(r.redact('x a.b*c+d?(e)[f]$ y axbbbcd')).toBe('x [REDACTED:meta] y axbbbcd');
  });

  it('is fast and linear on hostile input', () => {
    const r = redactor();
    const start = performance.now();
    r.redact('sk-'.repeat(35_000));
    r.redact('a'.repeat(100_000));
    r.redact(`${CUSTOM.slice(0, -1)} `.repeat(4_000));
    r.redact('T3BlbkF'.repeat(15_000));
    expect(performance.now() - start).toBeLessThan(250);
  });
});
