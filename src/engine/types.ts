import type { AuditEvent } from '../core/audit-event.js';
import type { Clock } from '../core/clock.js';
import type { GatewayError } from '../core/errors.js';
import type { AppPolicy } from '../core/policy.js';
import type {
  Environment,
  GatewayRequest,
  JsonObject,
  Operation,
  Principal,
  ProviderName,
  StreamEvent,
  WireFormat,
} from '../core/types.js';
import type { RequestGuard } from '../pipeline/guard.js';
import type { OutputGuard } from '../pipeline/output.js';
import type { ProviderAdapter, ProviderCredential } from '../providers/types.js';

/** A provider key ring as the engine sees it (implemented by secrets/KeyRing). */
export interface CredentialPool {
  pick(exclude?: ReadonlySet<string>): ProviderCredential | undefined;
  markBad(id: string): void;
}

/** The structured logger the engine writes operational lines to (pino-compatible subset). */
export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AuditRecorder {
  record(event: AuditEvent): void;
}

export interface EngineDeps {
  readonly environment: Environment;
  readonly clock: Clock;
  /** Request guards in pipeline order (auth first). Every inference operation runs all of them. */
  readonly guards: readonly RequestGuard[];
  readonly guardTimeoutMs: number;
  /** Output guards in order (leak scans, moderation, policy hook, sanitizers); applied to every response. */
  readonly outputGuards?: readonly OutputGuard[];
  readonly providers: ReadonlyMap<ProviderName, ProviderAdapter>;
  readonly credentials: ReadonlyMap<ProviderName, CredentialPool>;
  readonly audit: AuditRecorder;
  readonly pseudonymize: (endUserId: string) => string;
  readonly log: EngineLogger;
  /** Authenticates a credential without the rest of the pipeline (for GET /v1/models). */
  readonly authenticate: (
    credential: string | undefined,
  ) => Promise<{ principal: Principal; app: AppPolicy }>;
  /** Readiness probe of the stores and providers the engine depends on. */
  readonly ready?: () => Promise<boolean>;
  /** Prometheus exposition of the gateway's metrics. */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Whether a credential may read /metrics (constant-time check of server.metricsToken); absent = open. */
  readonly metricsAuthorized?: (credential: string | undefined) => boolean;
}

export type EngineOutcome = (
  | { readonly kind: 'json'; readonly body: JsonObject }
  | {
      readonly kind: 'stream';
      /** Already accounted: iterating to the end (or stopping early) settles usage and audit. */
      readonly events: AsyncIterable<StreamEvent>;
    }
  | { readonly kind: 'error'; readonly error: GatewayError }
) & {
  /** Headers set by guards (e.g. rate-limit state), sent with success and error responses alike. */
  readonly headers: Readonly<Record<string, string>>;
};

/** Facts about a request the http layer refused before it became a GatewayRequest. */
export interface RejectedRequest {
  readonly requestId: string;
  readonly route: string;
  readonly operation: Operation | 'models' | 'unknown';
  readonly wire: WireFormat;
  readonly receivedAt: number;
  readonly startedAt: number;
  readonly error: GatewayError;
}

/** The interface the http layer depends on. */
export interface Gateway {
  handle(request: GatewayRequest): Promise<EngineOutcome>;
  listModels(
    credential: string | undefined,
    meta: { requestId: string; receivedAt: number; startedAt: number },
  ): Promise<{ models: readonly string[] } | { error: GatewayError }>;
  recordRejected(rejected: RejectedRequest): void;
  ready(): Promise<boolean>;
  /** undefined when metrics are off; 'unauthorized' when a metrics token is configured and not presented. */
  metrics(
    credential: string | undefined,
  ): Promise<{ contentType: string; body: string } | 'unauthorized' | undefined>;
  readonly clock: Clock;
}
