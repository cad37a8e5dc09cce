/**
 * The gcp-sm: source through @google-cloud/secret-manager on its REST transport against a local
 * server implementing Secret Manager's HTTP/JSON API. The credentials are a service-account key
 * made at test time; the server verifies the RS256 JWT the client signs with it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecretRef, type RemoteSecretRef } from '../../../src/config/secret-ref.js';
import { secretsSchema } from '../../../src/config/secrets-schema.js';
import { ManualClock } from '../../../src/core/clock.js';
import { fetchSecret, resolveSecret, SecretError } from '../../../src/secrets/resolve.js';
import { createSecretManagers, type ManagedSources } from '../../../src/secrets/sources/registry.js';
import { startFakeGcpSecretManager, type FakeGcpSecretManager } from './fakes/gcp-secret-manager.js';

const PROJECT = 'acme-llm-prod';
const CLIENT_EMAIL = `bastion@${PROJECT}.iam.gserviceaccount.com`;
const KEY_1 = 'sk-ant-api03-gcpKeyOne0000000000000000000001';
const KEY_2 = 'sk-ant-api03-gcpKeyTwo0000000000000000000002';
const ref = (text: string) => parseSecretRef(text) as RemoteSecretRef;

let dir: string;
let fake: FakeGcpSecretManager;
let managers: ManagedSources;
let sources: { env: Record<string, string>; managers: ManagedSources };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bastion-gcp-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(dir, 'service-account.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: PROJECT,
      private_key_id: 'test-key-1',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: CLIENT_EMAIL,
      client_id: '100000000000000000001',
      // Never contacted: the client signs its own JWT (no token exchange) for Secret Manager.
      token_uri: 'http://127.0.0.1:9/token',
    }),
    { mode: 0o600 },
  );
  fake = await startFakeGcpSecretManager({
    project: PROJECT,
    projectNumber: '123456789012',
    clientEmail: CLIENT_EMAIL,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  const config = secretsSchema.parse({
    gcp: { project: PROJECT, transport: 'rest', apiEndpoint: fake.url, credentialsFile: keyFile },
  });
  managers = createSecretManagers(config, {
    clock: new ManualClock(),
    resolveLocal: (local) => resolveSecret(local, { env: {} }),
  });
  sources = { env: {}, managers };
});

afterAll(async () => {
  await managers.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Google Secret Manager source (REST transport)', () => {
  it('reads the latest version with its create time and labels, authenticated by a verified JWT', async () => {
    fake.add('anthropic-key', KEY_1, Date.parse('2026-01-01T00:00:00Z'));
    fake.add('anthropic-key', KEY_2, Date.parse('2026-03-01T12:00:00Z'));
    fake.label('anthropic-key', { environment: 'production', team: 'llm' });
    const fetched = await fetchSecret(ref('gcp-sm:anthropic-key'), sources);
    expect(fetched.current).toEqual({
      value: KEY_2,
      version: '2',
      createdAt: Date.parse('2026-03-01T12:00:00Z'),
    });
    expect(fetched.environment).toBe('production');
    expect(fake.refused).toEqual([]);
    expect(fake.requests.map((r) => r.path)).toEqual([
      `/v1/projects/${PROJECT}/secrets/anthropic-key`,
      `/v1/projects/${PROJECT}/secrets/anthropic-key/versions/latest:access`,
      `/v1/projects/123456789012/secrets/anthropic-key/versions/2`,
    ]);
    expect(new Set(fake.requests.map((r) => r.issuer))).toEqual(new Set([CLIENT_EMAIL]));
  });

  it('reads pinned versions, aliases, full resource names and JSON fields', async () => {
    fake.add('llm', JSON.stringify({ anthropic: KEY_1 }));
    fake.add('llm', JSON.stringify({ anthropic: KEY_2 }));
    fake.alias('llm', 'current', 1);
    expect(await resolveSecret(ref('gcp-sm:llm#anthropic?version=1'), sources)).toBe(KEY_1);
    expect(await resolveSecret(ref('gcp-sm:llm#anthropic?version=current'), sources)).toBe(KEY_1);
    expect(await resolveSecret(ref(`gcp-sm:projects/${PROJECT}/secrets/llm#anthropic`), sources)).toBe(KEY_2);
  });

  it('reports a missing secret by reference and status code, never by value', async () => {
    const error = await fetchSecret(ref('gcp-sm:nothing'), sources).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretError);
    // The REST transport reports the HTTP status (gRPC would say 5, NOT_FOUND).
    expect((error as Error).message).toBe('gcp-sm:nothing: Google Secret Manager: Error (code 404)');
  });
});
