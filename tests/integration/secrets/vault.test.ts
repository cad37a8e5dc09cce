/**
 * The Vault source (undici, KV v2) against a local server implementing Vault's HTTP API:
 * token, AppRole and Kubernetes auth, namespaces, versions, staging via custom metadata.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSecretRef, type RemoteSecretRef } from '../../../src/config/secret-ref.js';
import { secretsSchema } from '../../../src/config/secrets-schema.js';
import { ManualClock } from '../../../src/core/clock.js';
import { Redactor } from '../../../src/secrets/redactor.js';
import { fetchSecret, resolveSecret, SecretError } from '../../../src/secrets/resolve.js';
import { createSecretManagers } from '../../../src/secrets/sources/registry.js';
import { createVaultSource, VAULT_CURRENT_VERSION_KEY } from '../../../src/secrets/sources/vault.js';
import { makeSelfSignedCert } from './fakes/tls.js';
import { startFakeVault, type FakeVault } from './fakes/vault.js';

const KEY_V1 = 'sk-proj-vaultKeyOne0000000000000000000001';
const KEY_V2 = 'sk-proj-vaultKeyTwo0000000000000000000002';
const ref = (text: string) => parseSecretRef(text) as RemoteSecretRef;

let vault: FakeVault | undefined;
afterEach(async () => {
  await vault?.close();
  vault = undefined;
});

const managersFor = (secrets: unknown, env: Record<string, string>, clock = new ManualClock()) => {
  const redactor = new Redactor();
  const config = secretsSchema.parse(secrets);
  const managers = createSecretManagers(config, {
    clock,
    registerSecret: (value, label) => redactor.add(value, label),
    resolveLocal: async (local, label) => {
      const value = await resolveSecret(local, { env });
      redactor.add(value, label);
      return value;
    },
  });
  return { managers, redactor, sources: { env, managers } };
};

describe('Vault source', () => {
  it('reads a KV v2 field with a token, in a namespace, latest or pinned version', async () => {
    vault = await startFakeVault({ namespace: 'admin/team-a' });
    vault.addToken('hvs.static-token-0001');
    vault.put('secret/data/openai', { api_key: KEY_V1, org: 'org-1' }, '2026-01-01T00:00:00Z');
    vault.put('secret/data/openai', { api_key: KEY_V2, org: 'org-1' }, '2026-02-01T00:00:00Z');
    const { managers, sources, redactor } = managersFor(
      {
        vault: {
          address: vault.url,
          namespace: 'admin/team-a',
          auth: { method: 'token', token: 'env:VAULT_TOKEN' },
        },
      },
      { VAULT_TOKEN: 'hvs.static-token-0001' },
    );
    const latest = await fetchSecret(ref('vault:secret/data/openai#api_key'), sources);
    expect(latest.current).toEqual({
      value: KEY_V2,
      version: '2',
      createdAt: Date.parse('2026-02-01T00:00:00Z'),
    });
    expect(latest.next).toBeUndefined();
    expect(await resolveSecret(ref('vault:secret/data/openai#api_key?version=1'), sources)).toBe(KEY_V1);
    expect(vault.requests.map((r) => [r.path, r.token, r.namespace])).toEqual([
      ['/v1/secret/data/openai', 'hvs.static-token-0001', 'admin/team-a'],
      ['/v1/secret/data/openai?version=1', 'hvs.static-token-0001', 'admin/team-a'],
    ]);
    // The Vault token itself went through the redactor.
    expect(redactor.redact('token hvs.static-token-0001')).toBe('token [REDACTED:vault-token]');
    await managers.close();
  });

  it('logs in with AppRole once, reuses the token, and logs in again when Vault refuses it', async () => {
    vault = await startFakeVault({ approle: { roleId: 'role-1234', secretId: 'secret-id-5678' } });
    vault.put('kv/data/llm/anthropic', { key: KEY_V1 });
    const { managers, sources, redactor } = managersFor(
      {
        vault: {
          address: vault.url,
          auth: { method: 'approle', roleId: 'env:ROLE_ID', secretId: 'env:SECRET_ID' },
        },
      },
      { ROLE_ID: 'role-1234', SECRET_ID: 'secret-id-5678' },
    );
    const target = ref('vault:kv/data/llm/anthropic');
    expect(await resolveSecret(target, sources)).toBe(KEY_V1);
    expect(await resolveSecret(target, sources)).toBe(KEY_V1);
    expect(vault.logins).toBe(1);
    vault.revokeAll();
    expect(await resolveSecret(target, sources)).toBe(KEY_V1);
    expect(vault.logins).toBe(2);
    // The login tokens Vault issued are known to the redactor.
    const issued = vault.requests.filter((r) => r.method === 'GET').map((r) => r.token ?? '');
    expect(redactor.redact(issued.join(' '))).toMatch(/^(\[REDACTED:vault-token\] ?)+$/);
    expect(vault.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
      '/v1/auth/approle/login',
      '/v1/auth/approle/login',
    ]);
    await managers.close();
  });

  it('renews an AppRole login when its lease runs out (injected clock)', async () => {
    vault = await startFakeVault({ approle: { roleId: 'r', secretId: 's' }, leaseSeconds: 120 });
    vault.put('secret/data/x', { key: KEY_V1 });
    const clock = new ManualClock();
    const { managers, sources } = managersFor(
      { vault: { address: vault.url, auth: { method: 'approle', roleId: 'env:R', secretId: 'env:S' } } },
      { R: 'r', S: 's' },
      clock,
    );
    await resolveSecret(ref('vault:secret/data/x'), sources);
    clock.advance(60_000);
    await resolveSecret(ref('vault:secret/data/x'), sources);
    expect(vault.logins).toBe(1);
    clock.advance(31_000);
    await resolveSecret(ref('vault:secret/data/x'), sources);
    expect(vault.logins).toBe(2);
    await managers.close();
  });

  it('logs in with the Kubernetes service-account token, re-reading the token file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bastion-k8s-'));
    const jwtFile = join(dir, 'token');
    let jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib3QifQ.c2lnLTE';
    writeFileSync(jwtFile, `${jwt}\n`);
    vault = await startFakeVault({ kubernetes: { mount: 'k8s-prod', role: 'bastion', jwt: () => jwt } });
    vault.put('secret/data/openai', { api_key: KEY_V1 });
    const { managers, sources } = managersFor(
      {
        vault: {
          address: vault.url,
          auth: { method: 'kubernetes', role: 'bastion', mount: 'k8s-prod', jwtFile },
        },
      },
      {},
    );
    expect(await resolveSecret(ref('vault:secret/data/openai#api_key'), sources)).toBe(KEY_V1);
    // Kubernetes rotates the projected token; the next login must send the new one.
    jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib3QifQ.c2lnLTI';
    writeFileSync(jwtFile, jwt);
    vault.revokeAll();
    expect(await resolveSecret(ref('vault:secret/data/openai#api_key'), sources)).toBe(KEY_V1);
    expect(vault.logins).toBe(2);
    await managers.close();
  });

  it('stages the newest version as next while custom metadata points at an older one', async () => {
    vault = await startFakeVault();
    vault.addToken('t0k3n-abcdefgh');
    const path = 'secret/data/openai';
    vault.put(path, { api_key: KEY_V1 }, '2026-01-01T00:00:00Z');
    vault.put(path, { api_key: KEY_V2 }, '2026-03-01T00:00:00Z');
    vault.setCustomMetadata(path, { [VAULT_CURRENT_VERSION_KEY]: '1', environment: 'production' });
    const source = createVaultSource({
      address: vault.url,
      auth: { method: 'token', token: async () => 't0k3n-abcdefgh' },
      timeoutMs: 2_000,
      clock: new ManualClock(),
    });
    const staged = await source.fetch(ref(`vault:${path}#api_key`));
    expect(staged.current.value).toBe(KEY_V1);
    expect(staged.current.version).toBe('1');
    expect(staged.next?.value).toBe(KEY_V2);
    expect(staged.next?.version).toBe('2');
    expect(staged.environment).toBe('production');
    // Promotion: the pointer moves; no next remains.
    vault.setCustomMetadata(path, { [VAULT_CURRENT_VERSION_KEY]: '2' });
    const promoted = await source.fetch(ref(`vault:${path}#api_key`));
    expect(promoted.current.value).toBe(KEY_V2);
    expect(promoted.next).toBeUndefined();
    await source.close();
  });

  it('reports missing secrets, fields, deleted versions and a missing block by reference, never by value', async () => {
    vault = await startFakeVault();
    vault.addToken('t0k3n-abcdefgh');
    vault.put('secret/data/multi', { a: KEY_V1, b: KEY_V2 });
    vault.put('secret/data/gone', { key: KEY_V1 });
    vault.deleteVersion('secret/data/gone', 1);
    const { managers, sources } = managersFor(
      { vault: { address: vault.url, auth: { method: 'token', token: 'env:T' } } },
      { T: 't0k3n-abcdefgh' },
    );
    const failure = async (text: string, secretSources: Parameters<typeof fetchSecret>[1] = sources) => {
      const error = await fetchSecret(ref(text), secretSources).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SecretError);
      const message = (error as Error).message;
      expect(message).not.toContain(KEY_V1);
      expect(message).not.toContain(KEY_V2);
      return message;
    };
    expect(await failure('vault:secret/data/missing')).toMatch(/^vault:secret\/data\/missing: .*404/);
    expect(await failure('vault:secret/data/multi')).toMatch(
      /holds 2 fields; name one with #field \(fields: a, b\)/,
    );
    expect(await failure('vault:secret/data/multi#c')).toMatch(/no field "c"/);
    expect(await failure('vault:secret/data/gone')).toMatch(/404/);
    expect(await failure('aws-sm:prod/openai')).toMatch(/needs a secrets\.aws block/);
    expect(await failure('vault:secret/data/multi#a', { env: {} })).toMatch(
      /no secrets managers are configured/,
    );
    await managers.close();
  });

  it('trusts a private CA from caFile for an https Vault, and refuses the certificate without it', async () => {
    const tls = makeSelfSignedCert();
    try {
      vault = await startFakeVault({ tls: { cert: tls.cert, key: tls.key } });
      vault.addToken('t0k3n-abcdefgh');
      vault.put('secret/data/openai', { api_key: KEY_V1 });
      const block = { address: vault.url, auth: { method: 'token', token: 'env:T' } };
      const trusted = managersFor({ vault: { ...block, caFile: tls.certFile } }, { T: 't0k3n-abcdefgh' });
      expect(await resolveSecret(ref('vault:secret/data/openai#api_key'), trusted.sources)).toBe(KEY_V1);
      await trusted.managers.close();
      const untrusted = managersFor({ vault: block }, { T: 't0k3n-abcdefgh' });
      const error = await resolveSecret(ref('vault:secret/data/openai#api_key'), untrusted.sources).catch(
        (caught: unknown) => caught,
      );
      expect((error as Error).message).toMatch(
        /^vault:secret\/data\/openai#api_key: Vault is unreachable \(/,
      );
      await untrusted.managers.close();
      expect(vault.requests).toHaveLength(1);
    } finally {
      tls.cleanup();
    }
  });
});
