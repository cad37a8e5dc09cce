/**
 * Builds the secrets-manager clients named in the `secrets:` block, each on first use, so a
 * deployment that references only AWS never constructs a Vault or Google client. The SDK modules
 * are imported on first use too: they are large, and a gateway without manager references should
 * not pay their load time (or print their runtime warnings). Credentials for
 * the managers (Vault token, AppRole ids, AWS keys, Azure client secret) are env:/file: references
 * resolved here and registered with the redactor.
 */
import { readFile } from 'node:fs/promises';
import type { LocalSecretRef, RemoteSecretScheme } from '../../config/secret-ref.js';
import type { SecretsConfig } from '../../config/secrets-schema.js';
import type { Clock } from '../../core/clock.js';
import { SourceError, type SecretManagers, type SecretSource } from './types.js';
import type { VaultAuth } from './vault.js';

export interface ManagerDeps {
  /** Resolves an env:/file: reference (and registers the value with the redactor). */
  readonly resolveLocal: (ref: LocalSecretRef, label: string) => Promise<string>;
  readonly readFile?: (path: string) => Promise<string>;
  readonly clock: Clock;
  /** Registers a credential obtained at run time (a Vault login token) with the redactor. */
  readonly registerSecret?: (value: string, label: string) => void;
  /** Test hooks: options passed to sources that the config cannot express (see azure.ts). */
  readonly azureVerifyChallengeResource?: boolean;
}

const BLOCK: Record<RemoteSecretScheme, string> = {
  vault: 'secrets.vault',
  'aws-sm': 'secrets.aws',
  'azure-kv': 'secrets.azure',
  'gcp-sm': 'secrets.gcp',
};

export interface ManagedSources extends SecretManagers {
  close(): Promise<void>;
}

export function createSecretManagers(config: SecretsConfig, deps: ManagerDeps): ManagedSources {
  const built = new Map<RemoteSecretScheme, SecretSource>();
  const read = deps.readFile ?? ((path: string) => readFile(path, 'utf8'));
  const readPem = async (path: string | undefined, label: string): Promise<string | undefined> => {
    if (path === undefined) return undefined;
    try {
      return await read(path);
    } catch (error) {
      throw new SourceError(
        `${label}: cannot read the CA file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  };

  // Credential lookups are deferred (functions), so a Vault token file is re-read at each login.
  const vaultAuth = (auth: NonNullable<SecretsConfig['vault']>['auth']): VaultAuth => {
    switch (auth.method) {
      case 'token':
        return { method: 'token', token: () => deps.resolveLocal(auth.token, 'vault-token') };
      case 'approle':
        return {
          method: 'approle',
          mount: auth.mount,
          roleId: () => deps.resolveLocal(auth.roleId, 'vault-role-id'),
          secretId: () => deps.resolveLocal(auth.secretId, 'vault-secret-id'),
        };
      case 'kubernetes':
        return {
          method: 'kubernetes',
          mount: auth.mount,
          role: auth.role,
          jwt: () => deps.resolveLocal({ scheme: 'file', path: auth.jwtFile }, 'vault-kubernetes-jwt'),
        };
    }
  };

  const build = async (scheme: RemoteSecretScheme): Promise<SecretSource> => {
    const timeoutMs = config.timeoutMs;
    switch (scheme) {
      case 'vault': {
        const vault = config.vault;
        if (vault === undefined) break;
        const ca = await readPem(vault.caFile, 'secrets.vault.caFile');
        const { createVaultSource } = await import('./vault.js');
        return createVaultSource({
          address: vault.address,
          ...(vault.namespace !== undefined && { namespace: vault.namespace }),
          ...(ca !== undefined && { ca }),
          auth: vaultAuth(vault.auth),
          timeoutMs,
          clock: deps.clock,
          ...(deps.registerSecret !== undefined && {
            onToken: (token: string) => deps.registerSecret?.(token, 'vault-token'),
          }),
        });
      }
      case 'aws-sm': {
        const aws = config.aws;
        if (aws === undefined) break;
        const credentials =
          aws.accessKeyId !== undefined && aws.secretAccessKey !== undefined
            ? {
                accessKeyId: await deps.resolveLocal(aws.accessKeyId, 'aws-access-key-id'),
                secretAccessKey: await deps.resolveLocal(aws.secretAccessKey, 'aws-secret-access-key'),
                ...(aws.sessionToken !== undefined && {
                  sessionToken: await deps.resolveLocal(aws.sessionToken, 'aws-session-token'),
                }),
              }
            : undefined;
        const { createAwsSource } = await import('./aws.js');
        return createAwsSource({
          region: aws.region,
          ...(aws.endpoint !== undefined && { endpoint: aws.endpoint }),
          ...(credentials !== undefined && { credentials }),
          timeoutMs,
        });
      }
      case 'azure-kv': {
        const azure = config.azure;
        if (azure === undefined) break;
        const ca = await readPem(azure.caFile, 'secrets.azure.caFile');
        const servicePrincipal =
          azure.clientSecret !== undefined && azure.tenantId !== undefined && azure.clientId !== undefined
            ? {
                tenantId: azure.tenantId,
                clientId: azure.clientId,
                clientSecret: await deps.resolveLocal(azure.clientSecret, 'azure-client-secret'),
              }
            : undefined;
        const { createAzureSource } = await import('./azure.js');
        return createAzureSource({
          vaultUrl: azure.vaultUrl,
          ...(servicePrincipal !== undefined && { servicePrincipal }),
          ...(azure.authorityHost !== undefined && { authorityHost: azure.authorityHost }),
          ...(ca !== undefined && { ca }),
          ...(deps.azureVerifyChallengeResource === false && { verifyChallengeResource: false }),
          timeoutMs,
        });
      }
      case 'gcp-sm': {
        const gcp = config.gcp;
        if (gcp === undefined) break;
        const { createGcpSource } = await import('./gcp.js');
        return createGcpSource({
          project: gcp.project,
          transport: gcp.transport,
          ...(gcp.apiEndpoint !== undefined && { apiEndpoint: gcp.apiEndpoint }),
          ...(gcp.credentialsFile !== undefined && { keyFilename: gcp.credentialsFile }),
          timeoutMs,
        });
      }
    }
    throw new SourceError(`a ${scheme}: reference needs a ${BLOCK[scheme]} block in the config`);
  };

  const pending = new Map<RemoteSecretScheme, Promise<SecretSource>>();
  const get = (scheme: RemoteSecretScheme): Promise<SecretSource> => {
    let source = pending.get(scheme);
    if (source === undefined) {
      source = build(scheme).then((built_) => {
        built.set(scheme, built_);
        return built_;
      });
      // A failed build (missing block, unreadable CA) is not cached: the next refresh tries again.
      source.catch(() => pending.delete(scheme));
      pending.set(scheme, source);
    }
    return source;
  };

  return {
    get(scheme) {
      // Sources are built asynchronously; expose a facade with a synchronous `get`.
      return {
        scheme,
        fetch: async (ref) => (await get(scheme)).fetch(ref),
        close: async () => undefined,
      };
    },
    async close(): Promise<void> {
      await Promise.all([...built.values()].map((source) => source.close().catch(() => undefined)));
    },
  };
}
