/**
 * A local Google Secret Manager speaking the HTTP/JSON REST API that the official client's REST
 * transport (`fallback: 'rest'`) uses:
 * - `GET /v1/projects/{p}/secrets/{s}` -> Secret `{ name, labels, createTime, ... }`
 * - `GET /v1/projects/{p}/secrets/{s}/versions/{v}:access` -> `{ name, payload: { data: base64 } }`
 *   where `{v}` is a number, `latest` or an alias
 * - `GET /v1/projects/{p}/secrets/{s}/versions/{v}` -> SecretVersion `{ name, createTime, state }`
 * Errors follow google.rpc.Status: `{ error: { code, message, status } }`.
 *
 * Every request must carry `Authorization: Bearer <JWT>` signed RS256 by the test service account's
 * key (the client signs its own JWT for a service account, with no token exchange), verified here
 * with node:crypto against the account's public key.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Version {
  readonly value: string;
  readonly created: number;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
}

export interface FakeGcpSecretManager {
  readonly url: string;
  /** Paths served, and the `iss` of each verified JWT. */
  readonly requests: Array<{ path: string; issuer: string }>;
  readonly refused: string[];
  add(secret: string, value: string, created?: number): number;
  label(secret: string, labels: Record<string, string>): void;
  alias(secret: string, alias: string, version: number): void;
  close(): Promise<void>;
}

const send = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
};

const rpcError = (res: ServerResponse, code: number, status: string, message: string): void =>
  send(res, code, { error: { code, message, status } });

const decodeSegment = (segment: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;

/** Verifies an RS256 compact JWT; returns its claims or a reason. */
function verifyJwt(token: string, key: KeyObject, now: number): Record<string, unknown> | string {
  const parts = token.split('.');
  if (parts.length !== 3) return 'not a JWT';
  const [header = '', payload = '', sig = ''] = parts;
  if (decodeSegment(header)['alg'] !== 'RS256') return 'alg must be RS256';
  if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), key, Buffer.from(sig, 'base64url')))
    return 'bad signature';
  const claims = decodeSegment(payload);
  const exp = Number(claims['exp']);
  if (!Number.isFinite(exp) || exp * 1000 < now) return 'expired';
  return claims;
}

export async function startFakeGcpSecretManager(options: {
  project: string;
  projectNumber: string;
  clientEmail: string;
  publicKeyPem: string;
}): Promise<FakeGcpSecretManager> {
  const key = createPublicKey(options.publicKeyPem);
  const secrets = new Map<
    string,
    { versions: Version[]; labels: Record<string, string>; aliases: Record<string, number> }
  >();
  const requests: FakeGcpSecretManager['requests'] = [];
  const refused: string[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const auth = req.headers.authorization;
    const claims =
      auth?.startsWith('Bearer ') === true ? verifyJwt(auth.slice(7), key, Date.now()) : 'no bearer token';
    if (typeof claims === 'string' || claims['iss'] !== options.clientEmail) {
      refused.push(typeof claims === 'string' ? claims : 'wrong issuer');
      return rpcError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    }
    const path = decodeURIComponent(url.pathname);
    requests.push({ path, issuer: String(claims['iss']) });
    const match = /^\/v1\/projects\/([^/]+)\/secrets\/([^/:]+)(?:\/versions\/([^/:]+))?(:access)?$/.exec(
      path,
    );
    if (req.method !== 'GET' || match === null) return rpcError(res, 404, 'NOT_FOUND', 'Method not found.');
    const [, project = '', name = '', versionRef, access] = match;
    if (project !== options.project && project !== options.projectNumber)
      return rpcError(res, 403, 'PERMISSION_DENIED', 'Permission denied on resource project.');
    const secret = secrets.get(name);
    if (secret === undefined)
      return rpcError(
        res,
        404,
        'NOT_FOUND',
        `Secret [projects/${options.projectNumber}/secrets/${name}] not found.`,
      );
    const secretName = `projects/${options.projectNumber}/secrets/${name}`;
    if (versionRef === undefined) {
      return send(res, 200, {
        name: secretName,
        replication: { automatic: {} },
        createTime: new Date(secret.versions[0]?.created ?? Date.now()).toISOString(),
        labels: secret.labels,
        etag: '"1"',
        versionAliases: secret.aliases,
      });
    }
    const number =
      versionRef === 'latest'
        ? secret.versions.reduce(
            (latest, version, index) => (version.state === 'ENABLED' ? index + 1 : latest),
            0,
          )
        : /^\d+$/.test(versionRef)
          ? Number(versionRef)
          : (secret.aliases[versionRef] ?? 0);
    const version = secret.versions[number - 1];
    if (version === undefined)
      return rpcError(
        res,
        404,
        'NOT_FOUND',
        `Secret Version [${secretName}/versions/${versionRef}] not found.`,
      );
    const versionName = `${secretName}/versions/${number}`;
    if (access === undefined) {
      return send(res, 200, {
        name: versionName,
        createTime: new Date(version.created).toISOString(),
        state: version.state,
        etag: '"1"',
      });
    }
    if (version.state !== 'ENABLED')
      return rpcError(
        res,
        400,
        'FAILED_PRECONDITION',
        `Secret Version [${versionName}] is in ${version.state} state.`,
      );
    return send(res, 200, {
      name: versionName,
      payload: { data: Buffer.from(version.value, 'utf8').toString('base64') },
    });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const secretOf = (name: string) => {
    let secret = secrets.get(name);
    if (secret === undefined) {
      secret = { versions: [], labels: {}, aliases: {} };
      secrets.set(name, secret);
    }
    return secret;
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    refused,
    add: (name, value, created = Date.now()) =>
      secretOf(name).versions.push({ value, created, state: 'ENABLED' }),
    label: (name, labels) => {
      secretOf(name).labels = labels;
    },
    alias: (name, alias, version) => {
      secretOf(name).aliases[alias] = version;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
