import { GatewayError, isGatewayError } from '../core/errors.js';
import { OPERATION_PROVIDER } from '../core/types.js';
import type { GatewayRequest, StreamEvent, Usage } from '../core/types.js';
import { newContext } from '../pipeline/context.js';
import type { RequestContext, SettleInfo } from '../pipeline/context.js';
import { runRequestGuards } from '../pipeline/runner.js';
import { OutputPlan, guardJsonBody, guardStream } from '../pipeline/output-apply.js';
import { auditEventFor, bareAuditEvent } from './audit-builder.js';
import type { Outcome } from './audit-builder.js';
import type { EngineDeps, EngineOutcome, Gateway, RejectedRequest } from './types.js';
import { callUpstream } from './upstream.js';

/** Output guards deny after the provider call; every other error on that path is a failure. */
const deniedOrFailed = (error: GatewayError): 'denied' | 'failed' =>
  error.code === 'output_blocked' ? 'denied' : 'failed';

/** True when the client went away (not when Bastion's own request timeout fired). */
const clientClosed = (request: GatewayRequest): boolean =>
  request.signal.aborted && (request.signal.reason as { name?: string } | undefined)?.name !== 'TimeoutError';

/**
 * The one orchestrator: request guards -> provider -> (stream accounting) -> audit. Every
 * inference operation takes this path, streaming or not; exactly one audit event is recorded per
 * request, in a `finally`, whatever happens.
 */
export class Engine implements Gateway {
  readonly clock;
  private readonly settling = new Set<Promise<void>>();

  constructor(private readonly deps: EngineDeps) {
    this.clock = deps.clock;
  }

  async handle(request: GatewayRequest): Promise<EngineOutcome> {
    const startedAt = this.deps.clock.monotonic();
    const ctx = newContext(request);
    let outcome: Outcome | undefined;
    let upstreamCalled = false;
    const headers = ctx.responseHeaders;
    try {
      const denied = await runRequestGuards(this.deps.guards, ctx, {
        defaultTimeoutMs: this.deps.guardTimeoutMs,
        onFailure: (failure) =>
          this.deps.log.error({ requestId: request.id, ...failure }, 'guard failed; request denied'),
      });
      if (denied) {
        outcome = this.outcome('denied', denied, startedAt);
        return { kind: 'error', error: denied, headers };
      }

      const provider = OPERATION_PROVIDER[request.operation];
      const adapter = this.deps.providers.get(provider);
      const pool = this.deps.credentials.get(provider);
      if (!adapter || !pool)
        throw new GatewayError('model_not_allowed', { param: 'model', source: 'engine' });

      const upstreamStart = this.deps.clock.monotonic();
      upstreamCalled = true;
      const { result, credential } = await callUpstream(provider, adapter, pool, request, this.deps.log);
      // Output guards run on every response, streamed or not, before any of its text leaves.
      const plan = OutputPlan.for(ctx, this.deps.outputGuards ?? [], this.deps.guardTimeoutMs);
      if (result.kind === 'json') {
        const upstream = {
          upstreamMs: this.deps.clock.monotonic() - upstreamStart,
          providerKeyId: credential.id,
        };
        try {
          const body = plan ? await guardJsonBody(plan, adapter.output, result.body) : result.body;
          outcome = { ...this.outcome('allowed', undefined, startedAt, result.usage), ...upstream };
          return { kind: 'json', body, headers };
        } catch (error) {
          const failure = this.toGatewayError(error, request.id);
          // The provider was paid for this output: keep its usage on the record even though it is withheld.
          outcome = {
            ...this.outcome(deniedOrFailed(failure), failure, startedAt, result.usage),
            ...upstream,
          };
          return { kind: 'error', error: failure, headers };
        }
      }
      // Streams are audited when they end: hand the accounting over to the wrapper.
      const guarded = plan ? guardStream(plan, adapter.output, result.events) : result.events;
      const events = this.accountStream(ctx, guarded, startedAt, result.upstreamMs, credential.id);
      return { kind: 'stream', events, headers };
    } catch (error) {
      const failure = this.toGatewayError(error, request.id);
      outcome = clientClosed(request)
        ? { ...this.outcome('failed', undefined, startedAt), status: 499, errorCode: 'client_closed' }
        : this.outcome('failed', failure, startedAt);
      return { kind: 'error', error: failure, headers };
    } finally {
      if (outcome) this.finish(ctx, outcome, upstreamCalled);
    }
  }

  async listModels(
    credential: string | undefined,
    meta: { requestId: string; receivedAt: number; startedAt: number },
  ): Promise<{ models: readonly string[] } | { error: GatewayError }> {
    let error: GatewayError | undefined;
    let appId: string | null = null;
    let keyId: string | null = null;
    try {
      const { principal, app } = await this.deps.authenticate(credential);
      appId = principal.appId;
      keyId = principal.keyId;
      const allowed = [...app.models.keys()].filter(
        (model) => principal.models === null || principal.models.includes(model),
      );
      return { models: allowed };
    } catch (caught) {
      error = this.toGatewayError(caught, meta.requestId);
      return { error };
    } finally {
      this.deps.audit.record(
        bareAuditEvent(this.deps.environment, {
          requestId: meta.requestId,
          receivedAt: meta.receivedAt,
          operation: 'models',
          route: '/v1/models',
          app: appId,
          keyId,
          latencyMs: this.deps.clock.monotonic() - meta.startedAt,
          error,
          source: 'auth',
        }),
      );
    }
  }

  recordRejected(rejected: RejectedRequest): void {
    this.deps.audit.record(
      bareAuditEvent(this.deps.environment, {
        requestId: rejected.requestId,
        receivedAt: rejected.receivedAt,
        operation: rejected.operation,
        route: rejected.route,
        app: null,
        keyId: null,
        latencyMs: this.deps.clock.monotonic() - rejected.startedAt,
        error: rejected.error,
        source: 'http',
      }),
    );
  }

  /** Guard names in pipeline order (route-inventory tests, diagnostics). */
  describePipeline(): {
    readonly requestGuards: readonly string[];
    readonly outputGuards: readonly string[];
  } {
    return {
      requestGuards: this.deps.guards.map((guard) => guard.name),
      outputGuards: (this.deps.outputGuards ?? []).map((guard) => guard.name),
    };
  }

  async ready(): Promise<boolean> {
    return this.deps.ready ? this.deps.ready() : true;
  }

  async metrics(
    credential: string | undefined,
  ): Promise<{ contentType: string; body: string } | 'unauthorized' | undefined> {
    if (this.deps.metricsAuthorized && !this.deps.metricsAuthorized(credential)) return 'unauthorized';
    return this.deps.metrics?.();
  }

  /** Settles the admitting guards (reverse order, off the response path) and records the audit event. */
  private finish(ctx: RequestContext, outcome: Outcome, upstreamCalled: boolean): void {
    this.deps.audit.record(auditEventFor(ctx, this.deps.environment, this.deps.pseudonymize, outcome));
    if (ctx.admittedBy.length === 0) return;
    const info: SettleInfo = {
      // An output guard's denial comes after the provider call: settle it as a paid, failed request.
      outcome:
        outcome.decision === 'allowed'
          ? 'completed'
          : outcome.decision === 'denied' && upstreamCalled
            ? 'failed'
            : outcome.decision,
      usage: outcome.usage,
      upstreamCalled,
    };
    const settling = this.settle(ctx, info);
    this.settling.add(settling);
    void settling.finally(() => this.settling.delete(settling));
  }

  /** Waits for settlements still running (commits, refunds): call on shutdown before closing stores. */
  async drain(): Promise<void> {
    while (this.settling.size > 0) await Promise.allSettled([...this.settling]);
  }

  private async settle(ctx: RequestContext, info: SettleInfo): Promise<void> {
    for (let i = ctx.admittedBy.length - 1; i >= 0; i--) {
      const guard = ctx.admittedBy[i];
      if (!guard?.settle) continue;
      try {
        await guard.settle(ctx, info);
      } catch (error) {
        this.deps.log.error(
          {
            requestId: ctx.request.id,
            guard: guard.name,
            errorType: error instanceof Error ? error.name : typeof error,
          },
          'guard settlement failed',
        );
      }
    }
  }

  private outcome(
    decision: Outcome['decision'],
    error: GatewayError | undefined,
    startedAt: number,
    usage?: Usage,
  ): Outcome {
    return {
      decision,
      status: error ? error.spec.status : 200,
      error,
      usage,
      latencyMs: this.deps.clock.monotonic() - startedAt,
      upstreamMs: undefined,
      providerKeyId: undefined,
    };
  }

  private toGatewayError(error: unknown, requestId: string): GatewayError {
    if (isGatewayError(error)) return error;
    // Unknown failures never reach the client: log the type only (messages may carry content).
    this.deps.log.error(
      { requestId, errorType: error instanceof Error ? error.name : typeof error },
      'unexpected engine failure',
    );
    return new GatewayError('internal_error', { source: 'engine' });
  }

  private async *accountStream(
    ctx: RequestContext,
    events: AsyncIterable<StreamEvent>,
    startedAt: number,
    upstreamMs: number,
    providerKeyId: string,
  ): AsyncGenerator<StreamEvent> {
    let usage: Usage | undefined;
    let failure: GatewayError | undefined;
    let completed = false;
    try {
      for await (const event of events) {
        if (event.usage) usage = event.usage;
        yield event;
      }
      completed = true;
    } catch (error) {
      failure = isGatewayError(error) ? error : new GatewayError('stream_interrupted', { source: 'engine' });
      throw failure;
    } finally {
      const closedByClient = !completed && (failure === undefined || clientClosed(ctx.request));
      const outcome: Outcome = {
        decision: completed ? 'allowed' : failure && !closedByClient ? deniedOrFailed(failure) : 'failed',
        status: completed ? 200 : closedByClient ? 499 : (failure?.spec.status ?? 500),
        error: closedByClient ? undefined : failure,
        ...(closedByClient ? { errorCode: 'client_closed' } : {}),
        usage,
        latencyMs: this.deps.clock.monotonic() - startedAt,
        upstreamMs,
        providerKeyId,
      };
      this.finish(ctx, outcome, true);
    }
  }
}
