/**
 * Resolves a secret reference to its value: env and file here, the managers (vault:, aws-sm:,
 * azure-kv:, gcp-sm:) through `SecretSources.managers`. Errors name the reference (where the secret
 * lives), never the value. Values with control characters are refused: they end up in HTTP headers.
 */
import { readFile as fsReadFile, stat as fsStat } from 'node:fs/promises';
import { formatSecretRef, isRemoteSecretRef, type SecretRef } from '../config/secret-ref.js';
import { checkSecretValue } from './sources/select.js';
import { SourceError, type FetchedSecret, type SecretManagers } from './sources/types.js';

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
  /** Used for the world-readable warning and the file's age (mtime). */
  readonly statFile?: (path: string) => Promise<{ readonly mode: number; readonly mtimeMs?: number }>;
  readonly warn?: (message: string) => void;
  /** The configured secrets managers; absent, a manager reference is a startup error. */
  readonly managers?: SecretManagers;
}

const defaultReadFile = (path: string): Promise<string> => fsReadFile(path, 'utf8');

/** The reference in config spelling; safe to log. */
export const describeSecretRef = (ref: SecretRef): string => formatSecretRef(ref);

const checkValue = (label: string, value: string): string => {
  try {
    return checkSecretValue(value);
  } catch (error) {
    if (error instanceof SourceError) throw new SecretError(label, error.reason);
    throw error;
  }
};

const warnIfWorldReadable = async (sources: SecretSources, path: string, label: string): Promise<void> => {
  try {
    const { mode } = await (sources.statFile ?? fsStat)(path);
    if ((mode & 0o004) !== 0) sources.warn?.(`${label}: the secret file is world-readable; chmod o-r it`);
  } catch {
    // The read already succeeded; a failed stat only costs the warning.
  }
};

/**
 * Reads a secret with what its source knows about it: version, creation time, a staged next version
 * and the environment it is bound to. Env values have no age; a file's age is its mtime.
 */
export const fetchSecret = async (ref: SecretRef, sources: SecretSources): Promise<FetchedSecret> => {
  if (!isRemoteSecretRef(ref)) {
    const value = await resolveSecret(ref, sources);
    if (ref.scheme === 'env') return { current: { value } };
    let createdAt: number | undefined;
    try {
      createdAt = (await (sources.statFile ?? fsStat)(ref.path)).mtimeMs;
    } catch {
      // Age unknown; the value itself was read.
    }
    return { current: { value, ...(createdAt !== undefined && { createdAt }) } };
  }
  const label = describeSecretRef(ref);
  if (sources.managers === undefined) throw new SecretError(label, 'no secrets managers are configured');
  try {
    return await sources.managers.get(ref.scheme).fetch(ref);
  } catch (error) {
    if (error instanceof SourceError) throw new SecretError(label, error.reason);
    if (error instanceof SecretError) throw error;
    // Anything else comes from an SDK and may quote a request; report its kind only.
    throw new SecretError(label, `cannot read the secret (${error instanceof Error ? error.name : 'error'})`);
  }
};

export const resolveSecret = async (ref: SecretRef, sources: SecretSources): Promise<string> => {
  const label = describeSecretRef(ref);
  if (isRemoteSecretRef(ref)) return (await fetchSecret(ref, sources)).current.value;
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
