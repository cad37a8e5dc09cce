/**
 * Resolves a secret reference to its value. Errors name the reference (where the secret lives),
 * never the value. Values with control characters are refused: they end up in HTTP headers.
 */
import { readFile as fsReadFile, stat as fsStat } from 'node:fs/promises';
import type { SecretRef } from '../config/secret-ref.js';

export class SecretError extends Error {
  /** The reference in config spelling, e.g. `env:OPENAI_API_KEY`. */
  readonly ref: string;
  /** What is wrong, without the reference or context. */
  readonly reason: string;
  /** `context` says which setting needed the secret, e.g. `providers.openai.keys[0] (openai-primary)`. */
  constructor(ref: string, reason: string, context?: string) {
    super(`${context === undefined ? '' : `${context}: `}${ref}: ${reason}`);
    this.name = 'SecretError';
    this.ref = ref;
    this.reason = reason;
  }
}

export interface SecretSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile?: (path: string) => Promise<string>;
  /** Used only for the world-readable warning. */
  readonly statFile?: (path: string) => Promise<{ readonly mode: number }>;
  readonly warn?: (message: string) => void;
}

const defaultReadFile = (path: string): Promise<string> => fsReadFile(path, 'utf8');
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** The reference in config spelling; safe to log. */
export const describeSecretRef = (ref: SecretRef): string =>
  ref.scheme === 'env' ? `env:${ref.name}` : `file:${ref.path}`;

const checkValue = (label: string, value: string): string => {
  if (value.trim() === '') throw new SecretError(label, 'the secret is empty');
  if (CONTROL_CHARS.test(value))
    throw new SecretError(label, 'the secret contains control characters or line breaks');
  return value;
};

const warnIfWorldReadable = async (sources: SecretSources, path: string, label: string): Promise<void> => {
  try {
    const { mode } = await (sources.statFile ?? fsStat)(path);
    if ((mode & 0o004) !== 0) sources.warn?.(`${label}: the secret file is world-readable; chmod o-r it`);
  } catch {
    // The read already succeeded; a failed stat only costs the warning.
  }
};

export const resolveSecret = async (ref: SecretRef, sources: SecretSources): Promise<string> => {
  const label = describeSecretRef(ref);
  if (ref.scheme === 'env') {
    const value = sources.env[ref.name];
    if (value === undefined) throw new SecretError(label, `environment variable ${ref.name} is not set`);
    return checkValue(label, value);
  }
  let text: string;
  try {
    text = await (sources.readFile ?? defaultReadFile)(ref.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'read failed';
    throw new SecretError(label, `cannot read the secret file (${code})`);
  }
  await warnIfWorldReadable(sources, ref.path, label);
  // Files written by `echo` or editors end with a newline that is not part of the secret.
  return checkValue(label, text.replace(/(?:\r?\n)+$/, ''));
};
