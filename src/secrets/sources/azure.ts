/**
 * Azure Key Vault through the official clients: `@azure/keyvault-secrets` with a credential from
 * `@azure/identity` (a service principal's client secret when configured, otherwise
 * DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI).
 *
 * Key Vault has no staging labels: a reference reads the newest enabled version (or a pinned one),
 * and a new version is promoted at the next refresh. The `environment` tag binds a secret to an
 * environment. A private CA (`caFile`) is added to the system roots for both the vault and the
 * authority, through the pipelines' `tlsOptions`.
 */
import { rootCertificates } from 'node:tls';
import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { RemoteSecretRef } from '../../config/secret-ref.js';
import { selectFromString, toEpochMs } from './select.js';
import { ENVIRONMENT_TAG, SourceError, type FetchedSecret, type SecretSource } from './types.js';

export interface AzureSourceOptions {
  readonly vaultUrl: string;
  readonly servicePrincipal?: { tenantId: string; clientId: string; clientSecret: string };
  readonly authorityHost?: string;
  /** PEM trusted in addition to the system roots. */
  readonly ca?: string;
  readonly timeoutMs: number;
  /**
   * Off only in tests: the SDK checks that the vault host is a subdomain of the resource named in
   * the 401 challenge (e.g. *.vault.azure.net), which a server on localhost cannot satisfy.
   */
  readonly verifyChallengeResource?: boolean;
  /** Credential override (tests, or a host that builds its own). */
  readonly credential?: TokenCredential;
}

const describeAzureError = (error: unknown): SourceError => {
  const name = error instanceof Error ? error.name : 'error';
  const status = (error as { statusCode?: number }).statusCode;
  const code = (error as { code?: unknown }).code;
  const detail = [
    typeof code === 'string' ? code : undefined,
    status === undefined ? undefined : `HTTP ${status}`,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
  return new SourceError(`Azure Key Vault: ${name}${detail === '' ? '' : ` (${detail})`}`);
};

export function createAzureSource(options: AzureSourceOptions): SecretSource {
  const tlsOptions = options.ca === undefined ? undefined : { ca: [...rootCertificates, options.ca] };
  const common = {
    retryOptions: { maxRetries: 1 },
    ...(tlsOptions !== undefined && { tlsOptions }),
  };
  // A configured authority (sovereign cloud, Azure Stack, a test server) is trusted as given: MSAL's
  // instance discovery would otherwise ask login.microsoftonline.com to validate it.
  const authority =
    options.authorityHost === undefined
      ? {}
      : { authorityHost: options.authorityHost, disableInstanceDiscovery: true };
  const credential =
    options.credential ??
    (options.servicePrincipal !== undefined
      ? new ClientSecretCredential(
          options.servicePrincipal.tenantId,
          options.servicePrincipal.clientId,
          options.servicePrincipal.clientSecret,
          { ...common, ...authority },
        )
      : new DefaultAzureCredential({ ...common, ...authority }));
  const client = new SecretClient(options.vaultUrl, credential, {
    ...common,
    ...(options.verifyChallengeResource === false && { disableChallengeResourceVerification: true }),
  });

  return {
    scheme: 'azure-kv',
    async fetch(ref: RemoteSecretRef): Promise<FetchedSecret> {
      let secret: Awaited<ReturnType<SecretClient['getSecret']>>;
      try {
        secret = await client.getSecret(ref.id, {
          ...(ref.version !== undefined && { version: ref.version }),
          abortSignal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw describeAzureError(error);
      }
      if (secret.properties.enabled === false)
        throw new SourceError('Azure Key Vault: the secret version is disabled');
      if (secret.value === undefined) throw new SourceError('Azure Key Vault returned no value');
      const createdAt = toEpochMs(secret.properties.createdOn);
      const environment = secret.properties.tags?.[ENVIRONMENT_TAG];
      return {
        ...(environment !== undefined && { environment }),
        current: {
          value: selectFromString(secret.value, ref.field),
          ...(secret.properties.version !== undefined && { version: secret.properties.version }),
          ...(createdAt !== undefined && { createdAt }),
        },
      };
    },
    async close(): Promise<void> {
      // The clients hold no sockets beyond Node's global agent keep-alive.
    },
  };
}
