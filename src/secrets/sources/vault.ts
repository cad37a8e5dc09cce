/**
 * HashiCorp Vault KV v2 over HTTP (there is no official Node SDK): undici with its own keep-alive
 * Agent, token / AppRole / Kubernetes auth, namespaces, pinned versions.
 *
 * Staging: a secret whose KV metadata carries `custom_metadata.bastion_current_version = N` serves
 * version N as current and the newest version (if newer) as next, so an operator writes the new key,
 * lets Bastion hold it as next, verifies it, then moves the pointer (`vault kv metadata patch`) to
 * promote it, without a restart. Without the pointer the newest version is current.
 *
 * Logins are cached until shortly before the lease ends; a 403 (token expired or revoked early)
 * triggers one fresh login and one retry. No token, secret id or value is ever put in an error.
 */
import { rootCertificates } from 'node:tls';
import { Agent, request, type Dispatcher } from 'undici';
import type { RemoteSecretRef } from '../../config/secret-ref.js';
import type { Clock } from '../../core/clock.js';
import { selectFromMap, toEpochMs } from './select.js';
import {
  ENVIRONMENT_TAG,
  SourceError,
  type FetchedSecret,
  type SecretSource,
  type SecretVersion,
} from './types.js';

export type VaultAuth =
  | { readonly method: 'token'; readonly token: () => Promise<string> }
  | {
      readonly method: 'approle';
      readonly mount: string;
      readonly roleId: () => Promise<string>;
      readonly secretId: () => Promise<string>;
    }
  | {
      readonly method: 'kubernetes';
      readonly mount: string;
      readonly role: string;
      readonly jwt: () => Promise<string>;
    };

export interface VaultSourceOptions {
  readonly address: string;
  readonly namespace?: string;
  /** PEM trusted for the server certificate, in addition to the system roots. */
  readonly ca?: string;
  readonly auth: VaultAuth;
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** Called with each client token a login returns, so the redactor knows it too. */
  readonly onToken?: (token: string) => void;
}

/** Custom-metadata key naming the version Bastion serves as current; newer versions are staged as next. */
export const VAULT_CURRENT_VERSION_KEY = 'bastion_current_version';
/** Renew the login this long before its lease ends. */
const LEASE_MARGIN_MS = 30_000;
const MAX_BODY_BYTES = 1024 * 1024;

interface KvRead {
  readonly data: unknown;
  readonly metadata: {
    readonly version?: number;
    readonly created_time?: string;
    readonly deletion_time?: string;
    readonly destroyed?: boolean;
    readonly custom_metadata?: Record<string, string> | null;
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export function createVaultSource(options: VaultSourceOptions): SecretSource {
  const dispatcher: Dispatcher = new Agent({
    connect: {
      timeout: options.timeoutMs,
      // Node replaces its roots when `ca` is given; keep them and add the private CA.
      ...(options.ca !== undefined && { ca: [...rootCertificates, options.ca] }),
    },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const base = options.address.replace(/\/+$/, '');
  let token: { value: string; renewAt: number } | undefined;
  let loggingIn: Promise<string> | undefined;

  async function call(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${base}/v1/${path}`, {
        dispatcher,
        method,
        headers: {
          accept: 'application/json',
          ...(options.namespace !== undefined && { 'x-vault-namespace': options.namespace }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new SourceError(
        `Vault is unreachable (${typeof code === 'string' ? code : error instanceof Error ? error.name : 'error'})`,
      );
    }
    const text = await readBounded(response.body);
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, json };
  }

  async function login(): Promise<string> {
    const auth = options.auth;
    if (auth.method === 'token') {
      // No lease to track: a token file (Vault Agent sink) is re-read whenever Vault refuses the token.
      const value = await auth.token();
      token = { value, renewAt: Number.POSITIVE_INFINITY };
      return value;
    }
    const [path, body] =
      auth.method === 'approle'
        ? [`auth/${auth.mount}/login`, { role_id: await auth.roleId(), secret_id: await auth.secretId() }]
        : [`auth/${auth.mount}/login`, { role: auth.role, jwt: await auth.jwt() }];
    const { status, json } = await call('POST', path, {}, body);
    const result = isObject(json) && isObject(json['auth']) ? json['auth'] : undefined;
    const clientToken = result?.['client_token'];
    if (status !== 200 || typeof clientToken !== 'string' || clientToken === '') {
      throw new SourceError(`Vault ${auth.method} login failed (HTTP ${status})`);
    }
    options.onToken?.(clientToken);
    const lease = typeof result?.['lease_duration'] === 'number' ? result['lease_duration'] * 1000 : 0;
    const now = options.clock.now();
    token = {
      value: clientToken,
      renewAt: lease > 0 ? now + Math.max(lease - LEASE_MARGIN_MS, lease / 2) : Number.POSITIVE_INFINITY,
    };
    return clientToken;
  }

  async function currentToken(fresh: boolean): Promise<string> {
    if (!fresh && token !== undefined && options.clock.now() < token.renewAt) return token.value;
    // Concurrent reads share one login.
    loggingIn ??= login().finally(() => {
      loggingIn = undefined;
    });
    return loggingIn;
  }

  async function read(mountAndPath: string, version: string | undefined): Promise<KvRead> {
    const query = version === undefined ? '' : `?version=${encodeURIComponent(version)}`;
    const path = mountAndPath.split('/').map(encodeURIComponent).join('/') + query;
    let response = await call('GET', path, { 'x-vault-token': await currentToken(false) });
    if (response.status === 403) {
      response = await call('GET', path, { 'x-vault-token': await currentToken(true) });
    }
    if (response.status === 404) throw new SourceError(`Vault has no such secret or version (HTTP 404)`);
    if (response.status !== 200) throw new SourceError(`Vault answered HTTP ${response.status}`);
    const data = isObject(response.json) ? response.json['data'] : undefined;
    if (!isObject(data) || !isObject(data['metadata']))
      throw new SourceError('Vault answered without KV v2 data');
    const metadata = data['metadata'] as KvRead['metadata'];
    if (metadata.destroyed === true || (metadata.deletion_time ?? '') !== '' || !isObject(data['data'])) {
      throw new SourceError(`Vault version ${metadata.version ?? '?'} is deleted or destroyed`);
    }
    return { data: data['data'], metadata };
  }

  const toVersion = (kv: KvRead, field: string | undefined): SecretVersion => {
    const createdAt = toEpochMs(kv.metadata.created_time);
    return {
      value: selectFromMap(kv.data, field),
      ...(kv.metadata.version !== undefined && { version: String(kv.metadata.version) }),
      ...(createdAt !== undefined && { createdAt }),
    };
  };

  return {
    scheme: 'vault',
    async fetch(ref: RemoteSecretRef): Promise<FetchedSecret> {
      const latest = await read(ref.id, ref.version);
      const custom = latest.metadata.custom_metadata ?? {};
      const environment = custom[ENVIRONMENT_TAG];
      const pointer = ref.version === undefined ? custom[VAULT_CURRENT_VERSION_KEY] : undefined;
      const pinned = pointer !== undefined && /^[1-9][0-9]{0,9}$/.test(pointer) ? Number(pointer) : undefined;
      const base = environment === undefined ? {} : { environment };
      if (
        pinned === undefined ||
        latest.metadata.version === undefined ||
        pinned >= latest.metadata.version
      ) {
        return { ...base, current: toVersion(latest, ref.field) };
      }
      const current = await read(ref.id, String(pinned));
      return { ...base, current: toVersion(current, ref.field), next: toVersion(latest, ref.field) };
    },
    async close(): Promise<void> {
      await dispatcher.close();
    },
  };
}

async function readBounded(body: Dispatcher.ResponseData['body']): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw new SourceError('Vault answered with an oversized body');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
