/**
 * A local AWS Secrets Manager speaking its documented JSON protocol (awsJson1_1): `POST /` with
 * `X-Amz-Target: secretsmanager.<Operation>`, `Content-Type: application/x-amz-json-1.1`, errors as
 * `{ "__type": "...Exception", "message": ... }` with HTTP 400. Every request must carry a valid
 * SigV4 signature for service `secretsmanager` (verified in ./sigv4.ts); staging labels behave as
 * in a rotation (AWSCURRENT, AWSPENDING, AWSPREVIOUS).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4, type Credentials } from './sigv4.js';

interface Version {
  readonly id: string;
  readonly value: string;
  readonly created: number;
  readonly stages: Set<string>;
}

interface Secret {
  readonly name: string;
  readonly arn: string;
  readonly versions: Version[];
  tags: Record<string, string>;
}

export interface FakeAwsSecretsManager {
  readonly url: string;
  readonly region: string;
  /** Operations answered after a valid signature, and requests refused for a bad one. */
  readonly accepted: string[];
  readonly refused: Array<{ code: string; reason: string }>;
  addCredentials(accessKeyId: string, credentials: Credentials): void;
  /** Creates or replaces the AWSCURRENT version; returns its version id. */
  put(name: string, value: string, created?: number): string;
  tag(name: string, tags: Record<string, string>): void;
  /** Rotation step createSecret: a new version labelled AWSPENDING. */
  stagePending(name: string, value: string, created?: number): string;
  /** Rotation step finishSecret: AWSCURRENT moves to the pending version, the old one becomes AWSPREVIOUS. */
  promotePending(name: string): void;
  /** Answers every GetSecretValue with 500 InternalServiceError while on. */
  failReads(on: boolean): void;
  close(): Promise<void>;
}

const sendJson = (res: ServerResponse, status: number, body: unknown, errorType?: string): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType !== undefined && { 'x-amzn-errortype': errorType }),
  });
  res.end(text);
};

const error = (res: ServerResponse, type: string, message: string, status = 400): void =>
  sendJson(res, status, { __type: type, message }, type);

export async function startFakeAwsSecretsManager(
  region = 'us-east-1',
  now: () => number = Date.now,
): Promise<FakeAwsSecretsManager> {
  const keys = new Map<string, Credentials>();
  const secrets = new Map<string, Secret>();
  const accepted: string[] = [];
  const refused: FakeAwsSecretsManager['refused'] = [];
  let failing = false;

  const find = (id: unknown): Secret | undefined => {
    if (typeof id !== 'string') return undefined;
    return secrets.get(id) ?? [...secrets.values()].find((secret) => secret.arn === id);
  };
  const secretOf = (name: string): Secret => {
    let secret = secrets.get(name);
    if (secret === undefined) {
      secret = {
        name,
        arn: `arn:aws:secretsmanager:${region}:123456789012:secret:${name}-AbCdEf`,
        versions: [],
        tags: {},
      };
      secrets.set(name, secret);
    }
    return secret;
  };
  const addVersion = (name: string, value: string, created: number, stage: string): string => {
    const secret = secretOf(name);
    for (const version of secret.versions) version.stages.delete(stage);
    const id = randomUUID();
    secret.versions.push({ id, value, created, stages: new Set([stage]) });
    return id;
  };

  const operations: Record<string, (input: Record<string, unknown>, res: ServerResponse) => void> = {
    GetSecretValue(input, res) {
      if (failing) return error(res, 'InternalServiceError', 'An error occurred on the server side.', 500);
      const secret = find(input['SecretId']);
      if (secret === undefined)
        return error(res, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      const stage = typeof input['VersionStage'] === 'string' ? input['VersionStage'] : undefined;
      const versionId = typeof input['VersionId'] === 'string' ? input['VersionId'] : undefined;
      const version = secret.versions.find((candidate) =>
        versionId !== undefined ? candidate.id === versionId : candidate.stages.has(stage ?? 'AWSCURRENT'),
      );
      if (version === undefined || (stage !== undefined && !version.stages.has(stage)))
        return error(
          res,
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret value for staging label: " +
            (stage ?? 'AWSCURRENT'),
        );
      sendJson(res, 200, {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.id,
        SecretString: version.value,
        VersionStages: [...version.stages],
        CreatedDate: version.created / 1000,
      });
    },
    DescribeSecret(input, res) {
      const secret = find(input['SecretId']);
      if (secret === undefined)
        return error(res, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      sendJson(res, 200, {
        ARN: secret.arn,
        Name: secret.name,
        RotationEnabled: false,
        Tags: Object.entries(secret.tags).map(([Key, Value]) => ({ Key, Value })),
        VersionIdsToStages: Object.fromEntries(
          secret.versions.filter((v) => v.stages.size > 0).map((v) => [v.id, [...v.stages]]),
        ),
        CreatedDate: (secret.versions[0]?.created ?? now()) / 1000,
      });
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const verdict = verifySigV4(
      { method: req.method ?? '', target: req.url ?? '/', headers: req.headers, body },
      keys,
      now(),
    );
    if (!verdict.ok) {
      refused.push({ code: verdict.code, reason: verdict.reason });
      return error(
        res,
        verdict.code,
        verdict.reason,
        verdict.code === 'UnrecognizedClientException' ? 400 : 403,
      );
    }
    if (verdict.service !== 'secretsmanager' || verdict.region !== region) {
      refused.push({ code: 'InvalidSignatureException', reason: 'wrong scope' });
      return error(
        res,
        'InvalidSignatureException',
        'Credential should be scoped to a valid region or service.',
        403,
      );
    }
    const target = req.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith('secretsmanager.') ? target.slice(15) : '';
    const handler = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
    if (
      req.method !== 'POST' ||
      req.headers['content-type'] !== 'application/x-amz-json-1.1' ||
      handler === undefined
    )
      return error(res, 'UnknownOperationException', 'Unknown operation');
    accepted.push(operation);
    handler(JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => error(res, 'InternalServiceError', 'fake failure', 500));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    region,
    accepted,
    refused,
    addCredentials: (id, credentials) => keys.set(id, credentials),
    put: (name, value, created = now()) => {
      const secret = secretOf(name);
      const previous = secret.versions.find((v) => v.stages.has('AWSCURRENT'));
      const id = addVersion(name, value, created, 'AWSCURRENT');
      if (previous !== undefined) {
        for (const version of secret.versions) version.stages.delete('AWSPREVIOUS');
        previous.stages.add('AWSPREVIOUS');
      }
      return id;
    },
    tag: (name, tags) => {
      secretOf(name).tags = { ...tags };
    },
    stagePending: (name, value, created = now()) => addVersion(name, value, created, 'AWSPENDING'),
    promotePending(name) {
      const secret = secretOf(name);
      const pending = secret.versions.find((v) => v.stages.has('AWSPENDING'));
      const current = secret.versions.find((v) => v.stages.has('AWSCURRENT'));
      if (pending === undefined) throw new Error('no pending version');
      for (const version of secret.versions) version.stages.delete('AWSPREVIOUS');
      current?.stages.delete('AWSCURRENT');
      current?.stages.add('AWSPREVIOUS');
      pending.stages.delete('AWSPENDING');
      pending.stages.add('AWSCURRENT');
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
