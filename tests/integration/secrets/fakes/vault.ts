/**
 * A local HashiCorp Vault speaking the documented HTTP API Bastion uses: KV v2 reads
 * (`GET /v1/<mount>/data/<path>[?version=N]`, response `{ data: { data, metadata } }`), the AppRole
 * and Kubernetes login endpoints (`POST /v1/auth/<mount>/login`, response `{ auth: { client_token,
 * lease_duration } }`), X-Vault-Token and X-Vault-Namespace headers, and `{ errors: [...] }` bodies
 * with 403 for a bad token, 404 for a missing secret or version.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

interface Version {
  readonly data: Record<string, unknown>;
  readonly createdTime: string;
  deleted: boolean;
}

interface KvSecret {
  readonly versions: Version[];
  customMetadata: Record<string, string>;
}

export interface FakeVaultOptions {
  /** Required X-Vault-Namespace on every request, when set. */
  readonly namespace?: string;
  readonly approle?: { readonly mount?: string; readonly roleId: string; readonly secretId: string };
  readonly kubernetes?: { readonly mount?: string; readonly role: string; readonly jwt: () => string };
  /** Lease of tokens issued by logins, seconds. */
  readonly leaseSeconds?: number;
  /** Serve HTTPS on https://localhost with this certificate. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface FakeVault {
  readonly url: string;
  /** Method, path and the token/namespace headers of every request. */
  readonly requests: Array<{ method: string; path: string; token?: string; namespace?: string }>;
  /** Adds a static token (like `vault token create`). */
  addToken(token: string): void;
  revokeAll(): void;
  /** Writes a new version (like `vault kv put`); returns its number. */
  put(mountAndPath: string, data: Record<string, unknown>, createdTime?: string): number;
  setCustomMetadata(mountAndPath: string, metadata: Record<string, string>): void;
  deleteVersion(mountAndPath: string, version: number): void;
  /** Makes every KV read answer 500 (a sealed or broken Vault) until called with false. */
  failReads(on: boolean): void;
  readonly logins: number;
  close(): Promise<void>;
}

const send = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

const readBody = async (req: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
};

export async function startFakeVault(options: FakeVaultOptions = {}): Promise<FakeVault> {
  const secrets = new Map<string, KvSecret>();
  const tokens = new Set<string>();
  const requests: FakeVault['requests'] = [];
  let logins = 0;
  let failing = false;
  const approleMount = options.approle?.mount ?? 'approle';
  const k8sMount = options.kubernetes?.mount ?? 'kubernetes';

  const issue = (res: ServerResponse): void => {
    const token = `hvs.${randomUUID().replaceAll('-', '')}`;
    tokens.add(token);
    logins++;
    send(res, 200, {
      auth: {
        client_token: token,
        lease_duration: options.leaseSeconds ?? 3600,
        renewable: true,
        policies: ['bastion'],
      },
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://vault');
    const token = req.headers['x-vault-token'];
    const namespace = req.headers['x-vault-namespace'];
    requests.push({
      method: req.method ?? '',
      path: url.pathname + url.search,
      ...(typeof token === 'string' && { token }),
      ...(typeof namespace === 'string' && { namespace }),
    });
    if (options.namespace !== undefined && namespace !== options.namespace) {
      // Outside the namespace the path does not exist.
      send(res, 404, { errors: [] });
      return;
    }
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    if (req.method === 'POST' && url.pathname === `/v1/auth/${approleMount}/login`) {
      const { role_id: roleId, secret_id: secretId } = (body ?? {}) as Record<string, unknown>;
      if (
        options.approle !== undefined &&
        roleId === options.approle.roleId &&
        secretId === options.approle.secretId
      )
        return issue(res);
      send(res, 400, { errors: ['invalid role or secret ID'] });
      return;
    }
    if (req.method === 'POST' && url.pathname === `/v1/auth/${k8sMount}/login`) {
      const { role, jwt } = (body ?? {}) as Record<string, unknown>;
      if (
        options.kubernetes !== undefined &&
        role === options.kubernetes.role &&
        jwt === options.kubernetes.jwt()
      )
        return issue(res);
      send(res, 403, { errors: ['permission denied'] });
      return;
    }
    const match = /^\/v1\/(.+?)\/data\/(.+)$/.exec(url.pathname);
    if (req.method !== 'GET' || match === null) {
      send(res, 404, { errors: [] });
      return;
    }
    if (typeof token !== 'string' || !tokens.has(token)) {
      send(res, 403, { errors: ['permission denied'] });
      return;
    }
    if (failing) {
      send(res, 500, { errors: ['internal error'] });
      return;
    }
    const secret = secrets.get(`${match[1]}/data/${match[2]}`);
    const requested = url.searchParams.get('version');
    const number =
      requested === null || requested === '0' ? (secret?.versions.length ?? 0) : Number(requested);
    const version = secret?.versions[number - 1];
    if (secret === undefined || version === undefined) {
      send(res, 404, { errors: [] });
      return;
    }
    const metadata = {
      created_time: version.createdTime,
      custom_metadata: Object.keys(secret.customMetadata).length === 0 ? null : secret.customMetadata,
      deletion_time: version.deleted ? version.createdTime : '',
      destroyed: false,
      version: number,
    };
    // Vault answers 404 with the metadata for a deleted version.
    if (version.deleted) send(res, 404, { data: { data: null, metadata } });
    else
      send(res, 200, {
        request_id: randomUUID(),
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: { data: version.data, metadata },
      });
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => send(res, 500, { errors: ['fake vault error'] }));
  };
  const server = options.tls === undefined ? createServer(listener) : createTlsServer(options.tls, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const secretOf = (path: string): KvSecret => {
    let secret = secrets.get(path);
    if (secret === undefined) {
      secret = { versions: [], customMetadata: {} };
      secrets.set(path, secret);
    }
    return secret;
  };
  return {
    url: options.tls === undefined ? `http://127.0.0.1:${port}` : `https://localhost:${port}`,
    requests,
    get logins() {
      return logins;
    },
    addToken: (token) => tokens.add(token),
    revokeAll: () => tokens.clear(),
    put(path, data, createdTime = new Date().toISOString()) {
      const secret = secretOf(path);
      secret.versions.push({ data, createdTime, deleted: false });
      return secret.versions.length;
    },
    setCustomMetadata(path, metadata) {
      secretOf(path).customMetadata = { ...metadata };
    },
    deleteVersion(path, version) {
      const found = secrets.get(path)?.versions[version - 1];
      if (found !== undefined) found.deleted = true;
    },
    failReads(on) {
      failing = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
