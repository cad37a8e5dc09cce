/**
 * `#field` selection and value checks shared by every source. JSON parse errors are replaced by a
 * fixed message because V8's messages quote the input, which here is a secret.
 */
import { SourceError } from './types.js';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Refuses empty values and control characters (values end up in HTTP headers). */
export const checkSecretValue = (value: string): string => {
  if (value.trim() === '') throw new SourceError('the secret is empty');
  if (CONTROL_CHARS.test(value))
    throw new SourceError('the secret contains control characters or line breaks');
  return value;
};

const pick = (map: Record<string, unknown>, field: string | undefined): string => {
  if (field === undefined) {
    const keys = Object.keys(map);
    if (keys.length !== 1) {
      throw new SourceError(
        `the secret holds ${keys.length} fields; name one with #field (fields: ${keys.slice(0, 20).join(', ')})`,
      );
    }
    field = keys[0] as string;
  }
  if (!Object.hasOwn(map, field)) throw new SourceError(`the secret has no field "${field}"`);
  const value = map[field];
  if (typeof value !== 'string') throw new SourceError(`field "${field}" is not a string`);
  return checkSecretValue(value);
};

/** A key/value map (Vault KV data): `#field`, or the only field when there is exactly one. */
export const selectFromMap = (map: unknown, field: string | undefined): string => {
  if (map === null || typeof map !== 'object' || Array.isArray(map))
    throw new SourceError('the secret has no data');
  return pick(map as Record<string, unknown>, field);
};

/** A string secret (AWS, Azure, GCP): the whole string, or `#field` of its JSON object. */
export const selectFromString = (text: string, field: string | undefined): string => {
  if (field === undefined) return checkSecretValue(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SourceError(`#${field} was requested but the secret is not a JSON object`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SourceError(`#${field} was requested but the secret is not a JSON object`);
  }
  return pick(parsed as Record<string, unknown>, field);
};

/** ISO timestamps and Dates from SDKs to epoch ms; undefined when absent or unparseable. */
export const toEpochMs = (value: string | Date | null | undefined): number | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
};
