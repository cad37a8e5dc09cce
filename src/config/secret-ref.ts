/**
 * Secret references (`env:NAME`, `file:/path`, `vault:`, `aws-sm:`, `azure-kv:`, `gcp-sm:`) and the literal-key tripwire.
 *
 * The config never holds a secret value, only a reference to where the value lives. A provider key
 * pasted into the config is refused outright, because config files end up in git, tickets and
 * screenshots. Nothing here ever puts the offending value (or any part of it) into a message.
 */

/** A value the process reads itself: an environment variable or a file. */
export type LocalSecretRef =
  { readonly scheme: 'env'; readonly name: string } | { readonly scheme: 'file'; readonly path: string };

export const REMOTE_SECRET_SCHEMES = ['vault', 'aws-sm', 'azure-kv', 'gcp-sm'] as const;
export type RemoteSecretScheme = (typeof REMOTE_SECRET_SCHEMES)[number];

/**
 * A value held by a secrets manager (see docs/configuration.md#secret-references):
 * - `vault:<mount>/data/<path>#field?version=N` (HashiCorp Vault KV v2)
 * - `aws-sm:<name-or-arn>#field?stage=AWSPENDING` or `?versionId=<uuid>` (AWS Secrets Manager)
 * - `azure-kv:<name>#field?version=<id>` (Azure Key Vault)
 * - `gcp-sm:<secret>` or `gcp-sm:projects/<p>/secrets/<s>`, `#field?version=<n|alias>` (Google Secret Manager)
 * `field` selects a string property of a JSON secret (Vault: of the KV data map).
 */
export interface RemoteSecretRef {
  readonly scheme: RemoteSecretScheme;
  /** Where the secret lives, in the manager's own terms (path, name, ARN, resource name). */
  readonly id: string;
  readonly field?: string;
  /** A pinned version (Vault version number, AWS VersionId, Azure version id, GCP version or alias). */
  readonly version?: string;
  /** AWS staging label, e.g. AWSCURRENT or AWSPENDING. */
  readonly stage?: string;
}

export type SecretRef = LocalSecretRef | RemoteSecretRef;

export const SUPPORTED_SECRET_SCHEMES = ['env', 'file', ...REMOTE_SECRET_SCHEMES] as const;

export const isRemoteSecretRef = (ref: SecretRef): ref is RemoteSecretRef =>
  ref.scheme !== 'env' && ref.scheme !== 'file';

export const LITERAL_KEY_MESSAGE =
  'a literal API key is not allowed in the config; use a secret reference such as env:OPENAI_API_KEY or file:/run/secrets/openai';

const UNSUPPORTED_REF_MESSAGE =
  'expected a secret reference: env:NAME (an environment variable), file:/absolute/path, vault:mount/data/path#field, aws-sm:name#field, azure-kv:name or gcp-sm:name; supported schemes: env, file, vault, aws-sm, azure-kv, gcp-sm';

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
const FIELD = /^[A-Za-z0-9_.-]{1,128}$/;

/** Per scheme: the shape of the id, an example, and the query parameters it accepts (with their shapes). */
const REMOTE_RULES: Record<
  RemoteSecretScheme,
  { readonly id: RegExp; readonly example: string; readonly params: Record<string, RegExp> }
> = {
  // KV v2 API path: mount, the literal `data` segment, then the secret path.
  vault: {
    id: /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*\/data\/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/,
    example: 'vault:secret/data/openai#api_key?version=3',
    params: { version: /^[1-9][0-9]{0,9}$/ },
  },
  // Secret names: letters, digits and /_+=.@-; ARNs add colons.
  'aws-sm': {
    id: /^[A-Za-z0-9/_+=.@:-]{1,2048}$/,
    example: 'aws-sm:prod/openai#api_key?stage=AWSPENDING',
    params: { stage: /^[A-Za-z0-9_.-]{1,256}$/, versionId: /^[A-Za-z0-9-]{32,64}$/ },
  },
  'azure-kv': {
    id: /^[0-9A-Za-z-]{1,127}$/,
    example: 'azure-kv:openai-api-key?version=0123abcd',
    params: { version: /^[0-9A-Za-z]{1,64}$/ },
  },
  'gcp-sm': {
    id: /^(?:projects\/[a-z0-9-]{1,63}\/secrets\/)?[A-Za-z0-9_-]{1,255}$/,
    example: 'gcp-sm:openai-api-key?version=5',
    params: { version: /^(?:[1-9][0-9]{0,9}|latest|[a-z][a-z0-9_-]{0,62})$/ },
  },
};

const isRemoteScheme = (scheme: string): scheme is RemoteSecretScheme =>
  (REMOTE_SECRET_SCHEMES as readonly string[]).includes(scheme);

/** `id`, then `#field` and `?a=b&c=d` in either order. Messages name the scheme and an example, never the input. */
const parseRemote = (scheme: RemoteSecretScheme, rest: string): RemoteSecretRef => {
  const rules = REMOTE_RULES[scheme];
  const fail = (what: string): never => {
    throw new SecretRefError(`${scheme}: reference ${what}, e.g. ${rules.example}`);
  };
  if (rest.length > 4096) fail('is too long');
  const cut = rest.search(/[#?]/);
  const id = cut < 0 ? rest : rest.slice(0, cut);
  if (!rules.id.test(id)) fail('has an invalid secret name or path');
  let field: string | undefined;
  const params = new Map<string, string>();
  // Split the tail into its `#...` and `?...` parts, in whichever order they were written.
  for (const part of cut < 0 ? [] : (rest.slice(cut).match(/[#?][^#?]*/g) ?? [])) {
    if (part.startsWith('#')) {
      if (field !== undefined || !FIELD.test(part.slice(1)))
        fail('needs one #field of letters, digits, "_", "." or "-"');
      field = part.slice(1);
      continue;
    }
    for (const pair of part.slice(1).split('&')) {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      const shape = Object.hasOwn(rules.params, key) ? rules.params[key] : undefined;
      if (shape === undefined)
        fail(
          `accepts only ${Object.keys(rules.params)
            .map((name) => `?${name}=`)
            .join(' or ')}`,
        );
      if (params.has(key) || !shape?.test(value)) fail(`has an invalid ${key}`);
      params.set(key, value);
    }
  }
  if (params.has('stage') && params.has('versionId')) fail('takes either stage or versionId, not both');
  const version = params.get('version') ?? params.get('versionId');
  const stage = params.get('stage');
  return Object.freeze({
    scheme,
    id,
    ...(field !== undefined && { field }),
    ...(version !== undefined && { version }),
    ...(stage !== undefined && { stage }),
  });
};

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
  if (isRemoteScheme(scheme)) return parseRemote(scheme, rest);
  throw new SecretRefError(UNSUPPORTED_REF_MESSAGE);
};

/** The reference in its config spelling. Safe to log: it names where a secret lives, not the secret. */
export const formatSecretRef = (ref: SecretRef): string => {
  if (ref.scheme === 'env') return `env:${ref.name}`;
  if (ref.scheme === 'file') return `file:${ref.path}`;
  const params =
    ref.stage !== undefined
      ? `?stage=${ref.stage}`
      : ref.version !== undefined
        ? `?${ref.scheme === 'aws-sm' ? 'versionId' : 'version'}=${ref.version}`
        : '';
  return `${ref.scheme}:${ref.id}${ref.field === undefined ? '' : `#${ref.field}`}${params}`;
};
