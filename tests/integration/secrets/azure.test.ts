/**
 * The azure-kv: source through @azure/keyvault-secrets + @azure/identity (ClientSecretCredential)
 * against a local HTTPS Key Vault + Entra token endpoint. The self-signed certificate is made at
 * test time and trusted through the `caFile` setting (passed to both SDK pipelines as tlsOptions).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecretRef, type RemoteSecretRef } from '../../../src/config/secret-ref.js';
import { secretsSchema } from '../../../src/config/secrets-schema.js';
import { ManualClock } from '../../../src/core/clock.js';
import { fetchSecret, resolveSecret, SecretError } from '../../../src/secrets/resolve.js';
import { createSecretManagers } from '../../../src/secrets/sources/registry.js';
import { startFakeAzureKeyVault, type FakeAzureKeyVault } from './fakes/azure-key-vault.js';
import { makeSelfSignedCert, type SelfSigned } from './fakes/tls.js';

const CLIENT_ID = '00000000-1111-2222-3333-444444444444';
const CLIENT_SECRET = 'azure-client-secret-value-000001';
const KEY_1 = 'azure-openai-key-0123456789abcdef0001';
const KEY_2 = 'azure-openai-key-0123456789abcdef0002';
const ref = (text: string) => parseSecretRef(text) as RemoteSecretRef;

let tls: SelfSigned;
let vault: FakeAzureKeyVault;
beforeAll(async () => {
  tls = makeSelfSignedCert();
  vault = await startFakeAzureKeyVault({
    cert: tls.cert,
    key: tls.key,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  });
});
afterAll(async () => {
  await vault.close();
  tls.cleanup();
});

const managersWith = (clientSecret: string, trustCa = true) => {
  const config = secretsSchema.parse({
    azure: {
      vaultUrl: vault.url,
      tenantId: vault.tenantId,
      clientId: CLIENT_ID,
      clientSecret: 'env:AZURE_CLIENT_SECRET',
      authorityHost: vault.url,
      ...(trustCa && { caFile: tls.certFile }),
    },
  });
  const env = { AZURE_CLIENT_SECRET: clientSecret };
  const managers = createSecretManagers(config, {
    clock: new ManualClock(),
    resolveLocal: (local) => resolveSecret(local, { env }),
    // The SDK checks the vault host is under the challenge's resource domain (*.vault.azure.net); a
    // server on localhost cannot be, so only this check is off in tests.
    azureVerifyChallengeResource: false,
  });
  return { managers, sources: { env, managers } };
};

describe('Azure Key Vault source', () => {
  it('refuses the server certificate without the configured CA', async () => {
    vault.set('tls-check', KEY_1);
    const untrusted = managersWith(CLIENT_SECRET, false);
    const tlsError = await fetchSecret(ref('azure-kv:tls-check'), untrusted.sources).catch((e: unknown) => e);
    expect(tlsError).toBeInstanceOf(SecretError);
    expect(vault.tokenRequests).toEqual([]);
    await untrusted.managers.close();
  });

  it('answers the 401 challenge with an Entra token and reads the newest version with its tags', async () => {
    const created = Date.parse('2026-02-10T08:00:00Z');
    vault.set('openai-key', KEY_1, { created: created - 86_400_000 });
    const newest = vault.set('openai-key', KEY_2, { created, tags: { environment: 'staging' } });
    const { managers, sources } = managersWith(CLIENT_SECRET);
    const fetched = await fetchSecret(ref('azure-kv:openai-key'), sources);
    expect(fetched.current).toEqual({ value: KEY_2, version: newest, createdAt: created });
    expect(fetched.environment).toBe('staging');
    // First read unauthenticated (the challenge), then with the bearer token from the token endpoint.
    expect(vault.reads.slice(0, 2).map((read) => read.token === undefined)).toEqual([true, false]);
    expect(vault.tokenRequests).toEqual([{ clientId: CLIENT_ID, scope: 'https://vault.azure.net/.default' }]);
    await managers.close();
  });

  it('reads a pinned version and a JSON field', async () => {
    const first = vault.set('llm-keys', JSON.stringify({ openai: KEY_1 }));
    vault.set('llm-keys', JSON.stringify({ openai: KEY_2 }));
    const { managers, sources } = managersWith(CLIENT_SECRET);
    expect(await resolveSecret(ref(`azure-kv:llm-keys#openai?version=${first}`), sources)).toBe(KEY_1);
    expect(await resolveSecret(ref('azure-kv:llm-keys#openai'), sources)).toBe(KEY_2);
    await managers.close();
  });

  it('fails with the reference and an error code, never a value, for a bad client secret or a missing secret', async () => {
    const wrong = managersWith('wrong-client-secret-000000000');
    const denied = await fetchSecret(ref('azure-kv:openai-key'), wrong.sources).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(SecretError);
    expect((denied as Error).message).toMatch(/^azure-kv:openai-key: Azure Key Vault: /);
    expect((denied as Error).message).not.toContain('wrong-client-secret');
    await wrong.managers.close();

    const good = managersWith(CLIENT_SECRET);
    const missing = await fetchSecret(ref('azure-kv:nothing-here'), good.sources).catch((e: unknown) => e);
    expect((missing as Error).message).toBe(
      'azure-kv:nothing-here: Azure Key Vault: RestError (SecretNotFound, HTTP 404)',
    );
    await good.managers.close();
  });

  it('refuses a disabled version', async () => {
    const version = vault.set('old-key', KEY_1);
    vault.disable('old-key', version);
    const { managers, sources } = managersWith(CLIENT_SECRET);
    const error = await fetchSecret(ref(`azure-kv:old-key?version=${version}`), sources).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/Forbidden|disabled/);
    await managers.close();
  });
});
