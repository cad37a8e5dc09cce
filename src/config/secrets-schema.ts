/**
 * The `secrets:` block: how Bastion reaches the secrets managers that `vault:`, `aws-sm:`,
 * `azure-kv:` and `gcp-sm:` references point at, how often values are refreshed, and the rotation
 * period after which a provider key's age raises an alert. Credentials for the managers themselves
 * are `env:` or `file:` references (a manager cannot hold the key that opens it).
 */
import { z } from 'zod';
import { parseSecretRef, SecretRefError, type LocalSecretRef } from './secret-ref.js';

const intIn = (min: number, max: number) =>
  z
    .number({ error: 'expected a number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const localRefSchema = z
  .string({ error: 'expected a secret reference such as env:VAULT_TOKEN' })
  .transform((text, ctx): LocalSecretRef => {
    try {
      const ref = parseSecretRef(text);
      if (ref.scheme === 'env' || ref.scheme === 'file') return ref;
      ctx.issues.push({
        code: 'custom',
        message: 'a secrets manager credential must be an env: or file: reference',
        input: undefined,
      });
    } catch (error) {
      if (!(error instanceof SecretRefError)) throw error;
      ctx.issues.push({ code: 'custom', message: error.message, input: undefined });
    }
    return z.NEVER;
  });

/** https, or http to loopback only (a local agent or a test server). No credentials, query or fragment. */
const endpointSchema = (example: string) =>
  z.string({ error: `expected a URL such as ${example}` }).transform((text, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      // reported below
    }
    const problem =
      url === undefined
        ? `expected an absolute URL such as ${example}`
        : url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
          ? 'must use https:// (plain http:// is allowed only for 127.0.0.1, localhost or [::1])'
          : url.username !== '' || url.password !== ''
            ? 'must not contain credentials'
            : url.search !== '' || url.hash !== ''
              ? 'must not contain a query string or fragment'
              : undefined;
    if (problem !== undefined || url === undefined) {
      ctx.issues.push({ code: 'custom', message: problem ?? 'invalid URL', input: undefined });
      return z.NEVER;
    }
    return url.href.replace(/\/+$/, '');
  });

const absolutePath = z
  .string({ error: 'expected an absolute file path' })
  .regex(/^\/[^\0]{0,4095}$/, { error: 'expected an absolute file path' });

const mountSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/, { error: 'expected an auth mount path such as approle' });

const vaultAuthSchema = z.discriminatedUnion(
  'method',
  [
    z.strictObject({ method: z.literal('token'), token: localRefSchema }),
    z.strictObject({
      method: z.literal('approle'),
      roleId: localRefSchema,
      secretId: localRefSchema,
      mount: mountSchema.default('approle'),
    }),
    z.strictObject({
      method: z.literal('kubernetes'),
      role: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, { error: 'expected a Vault role name' }),
      /** The projected service-account token; re-read at every login (Kubernetes rotates it). */
      jwtFile: absolutePath.default('/var/run/secrets/kubernetes.io/serviceaccount/token'),
      mount: mountSchema.default('kubernetes'),
    }),
  ],
  { error: 'expected auth.method token, approle or kubernetes' },
);

const vaultSchema = z.strictObject({
  address: endpointSchema('https://vault.internal:8200'),
  /** Vault Enterprise / HCP namespace, sent as X-Vault-Namespace. */
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/, { error: 'expected a namespace such as admin/team-a' })
    .optional(),
  /** PEM bundle trusted for the Vault server's certificate (private CAs). */
  caFile: absolutePath.optional(),
  auth: vaultAuthSchema,
});

const awsSchema = z.strictObject({
  region: z
    .string()
    .regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, { error: 'expected an AWS region such as us-east-1' }),
  /** A VPC endpoint or a local test server; default: the regional public endpoint. */
  endpoint: endpointSchema('https://secretsmanager.us-east-1.amazonaws.com').optional(),
  /** Static credentials; without them the SDK's default chain (env, web identity, ECS/EC2 roles) is used. */
  accessKeyId: localRefSchema.optional(),
  secretAccessKey: localRefSchema.optional(),
  sessionToken: localRefSchema.optional(),
});

const azureSchema = z.strictObject({
  vaultUrl: endpointSchema('https://my-vault.vault.azure.net'),
  /** Service principal (client secret); without clientSecret, DefaultAzureCredential is used. */
  tenantId: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,128}$/, { error: 'expected a tenant id' })
    .optional(),
  clientId: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'expected a client (application) id' })
    .optional(),
  clientSecret: localRefSchema.optional(),
  /** Microsoft Entra authority, e.g. for sovereign clouds; default https://login.microsoftonline.com. */
  authorityHost: endpointSchema('https://login.microsoftonline.com').optional(),
  /** PEM bundle trusted for Key Vault and the authority (private CAs, TLS-inspecting proxies). */
  caFile: absolutePath.optional(),
});

const gcpSchema = z.strictObject({
  project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: 'expected a GCP project id' }),
  /** gRPC (the client's default) or its HTTP/JSON REST fallback. */
  transport: z.enum(['grpc', 'rest'], { error: 'expected grpc or rest' }).default('grpc'),
  /** A regional or private endpoint URL; default https://secretmanager.googleapis.com. */
  apiEndpoint: endpointSchema('https://secretmanager.googleapis.com').optional(),
  /** Service-account key file; without it, Application Default Credentials are used. */
  credentialsFile: absolutePath.optional(),
});

export const secretsSchema = z
  .strictObject({
    /** How often every manager-held (and file) secret is re-read; rotations are picked up within this. */
    refreshSeconds: intIn(5, 86_400).default(300),
    /** A provider key older than this raises `provider_key.age_exceeded`. */
    rotationDays: intIn(1, 3650).default(90),
    /** Bound on one call to a manager. */
    timeoutMs: intIn(100, 60_000).default(5_000),
    vault: vaultSchema.optional(),
    aws: awsSchema.optional(),
    azure: azureSchema.optional(),
    gcp: gcpSchema.optional(),
  })
  .superRefine((secrets, ctx) => {
    const aws = secrets.aws;
    if (aws !== undefined && (aws.accessKeyId === undefined) !== (aws.secretAccessKey === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['aws'],
        message: 'set both accessKeyId and secretAccessKey, or neither (default credential chain)',
      });
    }
    const azure = secrets.azure;
    if (azure?.clientSecret !== undefined && (azure.tenantId === undefined || azure.clientId === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['azure'],
        message: 'clientSecret needs tenantId and clientId',
      });
    }
  })
  .prefault({});

export type SecretsConfig = z.output<typeof secretsSchema>;
export type VaultConfig = NonNullable<SecretsConfig['vault']>;
export type AwsSecretsConfig = NonNullable<SecretsConfig['aws']>;
export type AzureSecretsConfig = NonNullable<SecretsConfig['azure']>;
export type GcpSecretsConfig = NonNullable<SecretsConfig['gcp']>;
