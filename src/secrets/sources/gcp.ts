/**
 * Google Secret Manager through the official client (`@google-cloud/secret-manager`), over gRPC
 * (the client's default) or its HTTP/JSON REST fallback (`transport: rest`).
 *
 * One fetch = GetSecret (labels: the `environment` binding) + AccessSecretVersion (the value and the
 * resolved version name) + GetSecretVersion (its create time, for the key-age alert). Secret
 * Manager has no staging labels; a version alias (`?version=current`) serves that purpose: move
 * the alias to promote a new version without a restart.
 * Credentials: a service-account key file, or Application Default Credentials.
 */
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { RemoteSecretRef } from '../../config/secret-ref.js';
import { selectFromString } from './select.js';
import { ENVIRONMENT_TAG, SourceError, type FetchedSecret, type SecretSource } from './types.js';

export interface GcpSourceOptions {
  readonly project: string;
  readonly transport: 'grpc' | 'rest';
  /** Endpoint URL; http:// (loopback only, enforced by the schema) for a local emulator or test server. */
  readonly apiEndpoint?: string;
  readonly keyFilename?: string;
  readonly timeoutMs: number;
}

interface Timestamp {
  readonly seconds?: number | string | { toString(): string } | null;
  readonly nanos?: number | null;
}

const toMs = (time: Timestamp | null | undefined): number | undefined => {
  if (time?.seconds === undefined || time.seconds === null) return undefined;
  const seconds = Number(time.seconds.toString());
  return Number.isFinite(seconds) ? seconds * 1000 + Math.floor((time.nanos ?? 0) / 1e6) : undefined;
};

const describeGcpError = (error: unknown): SourceError => {
  const code = (error as { code?: unknown }).code;
  const name = error instanceof Error ? error.name : 'error';
  return new SourceError(
    `Google Secret Manager: ${name}${typeof code === 'number' || typeof code === 'string' ? ` (code ${code})` : ''}`,
  );
};

export function createGcpSource(options: GcpSourceOptions): SecretSource {
  const endpoint = options.apiEndpoint === undefined ? undefined : new URL(options.apiEndpoint);
  const client = new SecretManagerServiceClient({
    projectId: options.project,
    ...(options.transport === 'rest' && { fallback: 'rest' as const }),
    ...(endpoint !== undefined && {
      apiEndpoint: endpoint.hostname.replace(/^\[|\]$/g, ''),
      port: Number(endpoint.port || (endpoint.protocol === 'http:' ? 80 : 443)),
      ...(endpoint.protocol === 'http:' && { protocol: 'http' }),
    }),
    ...(options.keyFilename !== undefined && { keyFilename: options.keyFilename }),
  });
  const call = { timeout: options.timeoutMs, maxRetries: 1 };

  return {
    scheme: 'gcp-sm',
    async fetch(ref: RemoteSecretRef): Promise<FetchedSecret> {
      const secretName = ref.id.startsWith('projects/')
        ? ref.id
        : `projects/${options.project}/secrets/${ref.id}`;
      try {
        const [secret] = await client.getSecret({ name: secretName }, call);
        const [accessed] = await client.accessSecretVersion(
          { name: `${secretName}/versions/${ref.version ?? 'latest'}` },
          call,
        );
        const data = accessed.payload?.data;
        if (data === undefined || data === null)
          throw new SourceError('Google Secret Manager returned no payload');
        const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
        const versionName = accessed.name ?? '';
        const [version] = await client.getSecretVersion({ name: versionName }, call);
        const createdAt = toMs(version.createTime as Timestamp | null | undefined);
        const environment = secret.labels?.[ENVIRONMENT_TAG];
        const number = /\/versions\/([^/]+)$/.exec(versionName)?.[1];
        return {
          ...(environment !== undefined && { environment }),
          current: {
            value: selectFromString(text, ref.field),
            ...(number !== undefined && { version: number }),
            ...(createdAt !== undefined && { createdAt }),
          },
        };
      } catch (error) {
        if (error instanceof SourceError) throw error;
        throw describeGcpError(error);
      }
    },
    async close(): Promise<void> {
      await client.close();
    },
  };
}
