/**
 * AWS Secrets Manager through the official SDK v3 (`@aws-sdk/client-secrets-manager`).
 *
 * One fetch = DescribeSecret (tags for the environment binding, and which version holds which
 * staging label) + GetSecretValue for AWSCURRENT, + GetSecretValue for AWSPENDING while a rotation
 * is in progress (the rotation function has created the new version but not yet promoted it).
 * A reference that names a stage or a versionId reads exactly that and stages nothing.
 * IAM: secretsmanager:DescribeSecret and secretsmanager:GetSecretValue (+ kms:Decrypt for CMKs).
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
  type DescribeSecretCommandInput,
  type GetSecretValueCommandInput,
  type GetSecretValueCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import type { RemoteSecretRef } from '../../config/secret-ref.js';
import { selectFromString, toEpochMs } from './select.js';
import {
  ENVIRONMENT_TAG,
  SourceError,
  type FetchedSecret,
  type SecretSource,
  type SecretVersion,
} from './types.js';

export interface AwsSourceOptions {
  readonly region: string;
  readonly endpoint?: string;
  /** Static credentials; absent = the SDK's default provider chain. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly timeoutMs: number;
}

export const AWS_CURRENT = 'AWSCURRENT';
export const AWS_PENDING = 'AWSPENDING';

/** SDK errors carry a service error name (ResourceNotFoundException, AccessDeniedException...). */
const describeAwsError = (error: unknown): SourceError => {
  const name = error instanceof Error ? error.name : 'error';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return new SourceError(`AWS Secrets Manager: ${name}${status === undefined ? '' : ` (HTTP ${status})`}`);
};

const toVersion = (output: GetSecretValueCommandOutput, field: string | undefined): SecretVersion => {
  const text =
    output.SecretString ??
    (output.SecretBinary === undefined ? undefined : Buffer.from(output.SecretBinary).toString('utf8'));
  if (text === undefined)
    throw new SourceError('AWS Secrets Manager returned neither SecretString nor SecretBinary');
  const createdAt = toEpochMs(output.CreatedDate);
  return {
    value: selectFromString(text, field),
    ...(output.VersionId !== undefined && { version: output.VersionId }),
    ...(createdAt !== undefined && { createdAt }),
  };
};

export function createAwsSource(options: AwsSourceOptions): SecretSource {
  const client = new SecretsManagerClient({
    region: options.region,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.credentials !== undefined && { credentials: options.credentials }),
    // One retry for a transient fault; the refresher retries on its own schedule.
    maxAttempts: 2,
    requestHandler: { requestTimeout: options.timeoutMs, connectionTimeout: options.timeoutMs },
  });

  const options_ = () => ({ abortSignal: AbortSignal.timeout(options.timeoutMs) });
  const guarded = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw describeAwsError(error);
    }
  };
  const describe = (input: DescribeSecretCommandInput) =>
    guarded(() => client.send(new DescribeSecretCommand(input), options_()));
  const getValue = (input: GetSecretValueCommandInput) =>
    guarded(() => client.send(new GetSecretValueCommand(input), options_()));

  return {
    scheme: 'aws-sm',
    async fetch(ref: RemoteSecretRef): Promise<FetchedSecret> {
      const described = await describe({ SecretId: ref.id });
      const environment = described.Tags?.find((tag) => tag.Key === ENVIRONMENT_TAG)?.Value;
      const base = environment === undefined ? {} : { environment };
      const pinned = ref.version !== undefined || ref.stage !== undefined;
      const current = toVersion(
        await getValue({
          SecretId: ref.id,
          ...(ref.version !== undefined
            ? { VersionId: ref.version }
            : { VersionStage: ref.stage ?? AWS_CURRENT }),
        }),
        ref.field,
      );
      const stages = Object.entries(described.VersionIdsToStages ?? {});
      const pending = stages.find(([id, labels]) => labels.includes(AWS_PENDING) && id !== current.version);
      if (pinned || pending === undefined) return { ...base, current };
      const next = toVersion(await getValue({ SecretId: ref.id, VersionId: pending[0] }), ref.field);
      return { ...base, current, next };
    },
    async close(): Promise<void> {
      client.destroy();
    },
  };
}
