/**
 * Secret references (`env:NAME`, `file:/path`) and the literal-key tripwire.
 *
 * The config never holds a secret value, only a reference to where the value lives. A provider key
 * pasted into the config is refused outright, because config files end up in git, tickets and
 * screenshots. Nothing here ever puts the offending value (or any part of it) into a message.
 */

export type SecretRef =
  { readonly scheme: 'env'; readonly name: string } | { readonly scheme: 'file'; readonly path: string };

export const SUPPORTED_SECRET_SCHEMES = ['env', 'file'] as const;

export const LITERAL_KEY_MESSAGE =
  'a literal API key is not allowed in the config; use a secret reference such as env:OPENAI_API_KEY or file:/run/secrets/openai';

const UNSUPPORTED_REF_MESSAGE =
  'expected a secret reference: env:NAME (an environment variable) or file:/absolute/path; supported schemes: env, file';

/**
 * Provider-key shapes. Prefixed forms are unmistakable; a bare `sk-` token must be 20+ characters
 * with a digit early on, so that ordinary words such as `sk-learn` are not refused. `T3BlbkFJ` is
 * base64 for "OpenAI" and sits inside every legacy OpenAI key. Every quantifier that can scan is
 * bounded or ends a match, so the cost is linear on hostile input (a unit test holds this).
 */
const KEY_TOKEN =
  '(?<![A-Za-z0-9])sk-(?:(?:proj|svcacct|admin|ant)-[A-Za-z0-9_-]{8,}|(?=[A-Za-z0-9_-]{20})[A-Za-z_-]{0,40}[0-9])';
const PROVIDER_KEY_SHAPE = new RegExp(`${KEY_TOKEN}|T3BlbkFJ`);
// For scrubbing, the whole token goes, including what precedes `T3BlbkFJ` inside the same word.
const PROVIDER_KEY_TOKENS = new RegExp(
  `${KEY_TOKEN}[A-Za-z0-9_*-]*|(?<![A-Za-z0-9_-])[A-Za-z0-9_-]*T3BlbkFJ[A-Za-z0-9_*-]*`,
  'g',
);

/** True when `text` contains something shaped like an OpenAI or Anthropic API key. */
export const looksLikeProviderKey = (text: string): boolean => PROVIDER_KEY_SHAPE.test(text);

/** Replaces every provider-key-shaped token, so a message built from untrusted text cannot leak one. */
export const scrubProviderKeys = (text: string): string => text.replace(PROVIDER_KEY_TOKENS, '[REDACTED]');

export class SecretRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretRefError';
  }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Parses a secret reference or throws SecretRefError (whose message never contains the input). */
export const parseSecretRef = (text: string): SecretRef => {
  if (looksLikeProviderKey(text)) throw new SecretRefError(LITERAL_KEY_MESSAGE);
  const colon = text.indexOf(':');
  const scheme = colon > 0 ? text.slice(0, colon) : '';
  const rest = text.slice(colon + 1);
  if (scheme === 'env') {
    if (!ENV_NAME.test(rest)) {
      throw new SecretRefError(
        'env: reference needs a variable name matching [A-Za-z_][A-Za-z0-9_]*, e.g. env:OPENAI_API_KEY',
      );
    }
    return Object.freeze({ scheme: 'env', name: rest });
  }
  if (scheme === 'file') {
    // Absolute only: a relative path would depend on the working directory of whoever starts the process.
    if (!rest.startsWith('/') || rest.includes('\0') || rest.length > 4096) {
      throw new SecretRefError('file: reference needs an absolute path, e.g. file:/run/secrets/openai');
    }
    return Object.freeze({ scheme: 'file', path: rest });
  }
  throw new SecretRefError(UNSUPPORTED_REF_MESSAGE);
};

/** The reference in its config spelling. Safe to log: it names where a secret lives, not the secret. */
export const formatSecretRef = (ref: SecretRef): string =>
  ref.scheme === 'env' ? `env:${ref.name}` : `file:${ref.path}`;
