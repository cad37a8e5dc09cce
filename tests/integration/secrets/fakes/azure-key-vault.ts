/**
 * A local Azure Key Vault and Microsoft Entra token endpoint over HTTPS, speaking the documented
 * REST protocol the official clients use:
 * - Key Vault `GET /secrets/{name}/{version?}?api-version=...`: without a bearer token, 401 with
 *   the `WWW-Authenticate: Bearer authorization="<authority>/<tenant>", resource="..."` challenge;
 *   with a token this server issued, the SecretBundle `{ value, id, attributes, tags }`; errors as
 *   `{ error: { code, message } }`.
 * - Entra: `GET /<tenant>/v2.0/.well-known/openid-configuration` and the client-credentials grant
 *   at `POST /<tenant>/oauth2/v2.0/token` (client_id, client_secret, scope).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

interface Version {
  readonly id: string;
  readonly value: string;
  readonly created: number;
  enabled: boolean;
}

export interface FakeAzureKeyVault {
  /** https://localhost:<port>; the vault URL and the authority host. */
  readonly url: string;
  readonly tenantId: string;
  /** Token requests (scope, client id) and vault reads (name, version, bearer token seen). */
  readonly tokenRequests: Array<{ clientId: string; scope: string }>;
  readonly reads: Array<{ name: string; version: string; token: string | undefined }>;
  /** Adds a version (newest wins); returns its id. */
  set(name: string, value: string, options?: { created?: number; tags?: Record<string, string> }): string;
  disable(name: string, version: string): void;
  close(): Promise<void>;
}

const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
};

export async function startFakeAzureKeyVault(options: {
  cert: string;
  key: string;
  clientId: string;
  clientSecret: string;
}): Promise<FakeAzureKeyVault> {
  const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const secrets = new Map<string, { versions: Version[]; tags: Record<string, string> }>();
  const tokens = new Set<string>();
  const tokenRequests: FakeAzureKeyVault['tokenRequests'] = [];
  const reads: FakeAzureKeyVault['reads'] = [];
  let origin = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');

    if (req.method === 'GET' && url.pathname === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
      return json(res, 200, {
        token_endpoint: `${origin}/${tenantId}/oauth2/v2.0/token`,
        authorization_endpoint: `${origin}/${tenantId}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${origin}/${tenantId}/oauth2/v2.0/logout`,
        issuer: `${origin}/${tenantId}/v2.0`,
        jwks_uri: `${origin}/${tenantId}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
      });
    }
    if (req.method === 'POST' && url.pathname === `/${tenantId}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(body);
      const clientId = form.get('client_id') ?? '';
      tokenRequests.push({ clientId, scope: form.get('scope') ?? '' });
      if (
        form.get('grant_type') !== 'client_credentials' ||
        clientId !== options.clientId ||
        form.get('client_secret') !== options.clientSecret
      ) {
        return json(res, 401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
          error_codes: [7000215],
        });
      }
      const token = randomBytes(24).toString('base64url');
      tokens.add(token);
      return json(res, 200, {
        token_type: 'Bearer',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: token,
      });
    }
    const match = /^\/secrets\/([0-9A-Za-z-]+)(?:\/([0-9A-Za-z]*))?\/?$/.exec(url.pathname);
    if (match === null || req.method !== 'GET' || url.searchParams.get('api-version') === null) {
      return json(res, 400, { error: { code: 'BadParameter', message: 'unsupported request' } });
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') === true ? auth.slice(7) : undefined;
    const [, name = '', version = ''] = match;
    reads.push({ name, version, token });
    if (token === undefined || !tokens.has(token)) {
      return json(
        res,
        401,
        { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } },
        {
          'www-authenticate': `Bearer authorization="${origin}/${tenantId}", resource="https://vault.azure.net"`,
        },
      );
    }
    const secret = secrets.get(name);
    const found = version === '' ? secret?.versions.at(-1) : secret?.versions.find((v) => v.id === version);
    if (secret === undefined || found === undefined) {
      return json(res, 404, {
        error: {
          code: 'SecretNotFound',
          message: `A secret with (name/id) ${name} was not found in this key vault.`,
        },
      });
    }
    if (!found.enabled)
      return json(res, 403, {
        error: { code: 'Forbidden', message: 'Operation get is not allowed on a disabled secret.' },
      });
    return json(res, 200, {
      value: found.value,
      id: `${origin}/secrets/${name}/${found.id}`,
      attributes: {
        enabled: true,
        created: Math.floor(found.created / 1000),
        updated: Math.floor(found.created / 1000),
        recoveryLevel: 'Recoverable+Purgeable',
      },
      tags: secret.tags,
    });
  };

  const server = createServer({ cert: options.cert, key: options.key }, (req, res) => {
    handle(req, res).catch(() =>
      json(res, 500, { error: { code: 'InternalError', message: 'fake failure' } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    tenantId,
    tokenRequests,
    reads,
    set(name, value, setOptions = {}) {
      let secret = secrets.get(name);
      if (secret === undefined) {
        secret = { versions: [], tags: {} };
        secrets.set(name, secret);
      }
      if (setOptions.tags !== undefined) secret.tags = setOptions.tags;
      const id = randomBytes(16).toString('hex');
      secret.versions.push({ id, value, created: setOptions.created ?? Date.now(), enabled: true });
      return id;
    },
    disable(name, version) {
      const found = secrets.get(name)?.versions.find((v) => v.id === version);
      if (found !== undefined) found.enabled = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
