import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSecret, SecretError } from '../../../src/secrets/resolve.js';

const VALUE = 'v4lue-Of-The-Secret-9931';
const dir = mkdtempSync(join(tmpdir(), 'bastion-secrets-'));
const fileWith = (name: string, content: string, mode = 0o600): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
};

const rejection = async (promise: Promise<unknown>): Promise<SecretError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SecretError);
    return error as SecretError;
  }
  throw new Error('expected a SecretError');
};

describe('resolveSecret: env', () => {
  it('reads an environment variable', async () => {
    expect(await resolveSecret({ scheme: 'env', name: 'K' }, { env: { K: VALUE } })).toBe(VALUE);
  });

  it('names the reference when the variable is missing', async () => {
    const error = await rejection(resolveSecret({ scheme: 'env', name: 'MISSING_KEY' }, { env: {} }));
    expect(error.ref).toBe('env:MISSING_KEY');
    expect(error.message).toBe('env:MISSING_KEY: environment variable MISSING_KEY is not set');
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    [`${VALUE}\r\nX-Evil: 1`, /control characters/],
  ])('refuses %j without echoing it', async (value, why) => {
    const error = await rejection(resolveSecret({ scheme: 'env', name: 'K' }, { env: { K: value } }));
    expect(error.message).toMatch(why);
    if (value.trim() !== '') expect(error.message).not.toContain(VALUE);
  });
});

describe('resolveSecret: file', () => {
  it('reads a file and drops the trailing newline', async () => {
    const path = fileWith('ok', `${VALUE}\n`);
    expect(await resolveSecret({ scheme: 'file', path }, { env: {} })).toBe(VALUE);
    const crlf = fileWith('crlf', `${VALUE}\r\n\n`);
    expect(await resolveSecret({ scheme: 'file', path: crlf }, { env: {} })).toBe(VALUE);
  });

  it('uses an injected reader', async () => {
    const seen: string[] = [];
    const readFile = async (path: string): Promise<string> => {
      seen.push(path);
      return VALUE;
    };
    const value = await resolveSecret(
      { scheme: 'file', path: '/virtual/k' },
      { env: {}, readFile, statFile: async () => ({ mode: 0o600 }) },
    );
    expect(value).toBe(VALUE);
    expect(seen).toEqual(['/virtual/k']);
  });

  it('names the reference when the file is unreadable', async () => {
    const path = join(dir, 'nope');
    const error = await rejection(resolveSecret({ scheme: 'file', path }, { env: {} }));
    expect(error.ref).toBe(`file:${path}`);
    expect(error.message).toMatch(/cannot read the secret file \(ENOENT\)/);
  });

  it('refuses an empty file and a value with an inner line break', async () => {
    expect(
      (await rejection(resolveSecret({ scheme: 'file', path: fileWith('empty', '\n') }, { env: {} })))
        .message,
    ).toMatch(/empty/);
    const twoLines = fileWith('two', `${VALUE}\nsecond\n`);
    const error = await rejection(resolveSecret({ scheme: 'file', path: twoLines }, { env: {} }));
    expect(error.message).toMatch(/control characters/);
    expect(error.message).not.toContain(VALUE);
  });

  it('warns (only) when the file is world-readable', async () => {
    const warnings: string[] = [];
    const warn = (message: string): void => {
      warnings.push(message);
    };
    const open = fileWith('open', VALUE, 0o644);
    expect(await resolveSecret({ scheme: 'file', path: open }, { env: {}, warn })).toBe(VALUE);
    expect(warnings).toEqual([`file:${open}: the secret file is world-readable; chmod o-r it`]);
    await resolveSecret({ scheme: 'file', path: fileWith('closed', VALUE, 0o640) }, { env: {}, warn });
    expect(warnings).toHaveLength(1);
  });
});
