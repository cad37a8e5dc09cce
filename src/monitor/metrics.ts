/**
 * Prometheus metrics for GET /metrics, on a private prom-client Registry (never the global one, so
 * two gateways in one process, or a test, do not share counters).
 *
 * Request, latency, token and trigger metrics are fed from audit events (`observeAudit`), which the
 * audit path already produces off the hot path; the other counters are bumped by the component that
 * knows the fact (a limiter, the ledger, a fail-open branch). Every label is a bounded set (see
 * labels.ts): no key ids, no user ids, no free text, and models only from the configured list.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent } from '../core/audit-event.js';
import { ERROR_CATALOG } from '../core/errors.js';
import { OPERATION_PROVIDER } from '../core/types.js';
import type { Environment, Operation, ProviderName } from '../core/types.js';
import type { AlertDropReason } from './alerts/types.js';
import { BoundedLabel, OTHER, statusLabel } from './labels.js';

/** 1 ms to 60 s, roughly 1-2.5-5 per decade: fine where gateway overhead lives, coarse where providers do. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60,
];

export interface MetricsOptions {
  readonly environment: Environment;
  /** Models that may appear as a `model` label (the configured allowlists); others become `other`. */
  readonly allowedModels?: Iterable<string>;
  /** App ids that may appear as an `app` label (the configured apps); unset: any id-shaped value, capped. */
  readonly allowedApps?: Iterable<string>;
  /** Distinct values kept per free label (trigger, limit, component) before `other`; default 100. */
  readonly maxLabelValues?: number;
  /** Also export prom-client's process/runtime metrics (CPU, memory, event loop); default true. */
  readonly processMetrics?: boolean;
}

export interface Metrics {
  /** The underlying registry, for tests or for adding a metric in the composition root. */
  readonly registry: Registry;
  /** Updates request, duration, token and trigger metrics from one audit event. Never throws. */
  observeAudit(event: AuditEvent): void;
  /** A request refused by a limit, e.g. `requests_per_user`, `tokens_per_key`, `concurrency`, `budget`. */
  limitHit(limit: string): void;
  /** Committed spend for an app, integer micro-dollars. */
  spend(app: string, micros: number): void;
  /** A non-security component let a request through because it failed (e.g. `rate_limit_store`). */
  failOpen(component: string): void;
  /** Audit events dropped (queue full or store failing). */
  auditDropped(count?: number): void;
  /**
   * Reads a cumulative drop total (e.g. `() => auditSink.dropped`) at every scrape and adds the
   * increase, for sinks that count drops themselves.
   */
  trackAuditDropped(total: () => number): void;
  /** An alert that was not delivered to a sink. */
  alertDropped(reason: AlertDropReason, count?: number): void;
  /** Prometheus text exposition for GET /metrics. */
  render(): Promise<{ contentType: string; body: string }>;
}

const OPERATIONS = new Set<string>(Object.keys(OPERATION_PROVIDER));
const isOperation = (value: string): value is Operation => OPERATIONS.has(value);
const DECISIONS = new Set(['allowed', 'denied', 'failed']);

const nonNegative = (value: number | null): number =>
  value !== null && Number.isFinite(value) && value > 0 ? value : 0;

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  // `environment` on every series, including process metrics, without repeating it at each call site.
  registry.setDefaultLabels({ environment: options.environment });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const maxValues = options.maxLabelValues ?? 100;
  const models = new BoundedLabel(maxValues, options.allowedModels ?? []);
  const apps = new BoundedLabel(maxValues, options.allowedApps);
  const triggers = new BoundedLabel(maxValues);
  const limits = new BoundedLabel(maxValues);
  const components = new BoundedLabel(maxValues);
  const errorCodes = new BoundedLabel(maxValues, Object.keys(ERROR_CATALOG));

  const registers = [registry];
  const requests = new Counter({
    name: 'bastion_requests_total',
    help: 'Requests by operation, audit decision, HTTP status and error code (none when allowed).',
    labelNames: ['operation', 'decision', 'status', 'error_code'] as const,
    registers,
  });
  const requestDuration = new Histogram({
    name: 'bastion_request_duration_seconds',
    help: 'Time from arrival to the end of the response, streams included.',
    labelNames: ['operation'] as const,
    buckets: [...DURATION_BUCKETS_SECONDS],
    registers,
  });
  const upstreamDuration = new Histogram({
    name: 'bastion_upstream_duration_seconds',
    help: 'Time spent waiting on the provider.',
    labelNames: ['provider'] as const,
    buckets: [...DURATION_BUCKETS_SECONDS],
    registers,
  });
  const tokens = new Counter({
    name: 'bastion_tokens_total',
    help: 'Tokens reported by providers; input includes cached input tokens.',
    labelNames: ['direction', 'provider', 'model'] as const,
    registers,
  });
  const guardTriggers = new Counter({
    name: 'bastion_guard_triggers_total',
    help: 'Guard rules that fired (denied, transformed or flagged a request).',
    labelNames: ['trigger'] as const,
    registers,
  });
  const limitHits = new Counter({
    name: 'bastion_limit_hits_total',
    help: 'Requests refused by a rate, token, concurrency or spend limit.',
    labelNames: ['limit'] as const,
    registers,
  });
  const spendMicros = new Counter({
    name: 'bastion_spend_micros_total',
    help: 'Committed spend in micro-dollars (1e-6 USD).',
    labelNames: ['app'] as const,
    registers,
  });
  const failOpen = new Counter({
    name: 'bastion_fail_open_total',
    help: 'Times a non-security component failed and let the request through.',
    labelNames: ['component'] as const,
    registers,
  });
  const trackedDropSources: { read: () => number; last: number }[] = [];
  const auditDropped = new Counter({
    name: 'bastion_audit_dropped_total',
    help: 'Audit events dropped because the queue was full or the store kept failing.',
    registers,
    collect() {
      for (const source of trackedDropSources) {
        const now = safeRead(source.read);
        if (now > source.last) this.inc(now - source.last);
        if (now >= source.last) source.last = now;
      }
    },
  });
  const alertsDropped = new Counter({
    name: 'bastion_alerts_dropped_total',
    help: 'Alerts not delivered to a sink, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });

  const observeAudit = (event: AuditEvent): void => {
    const operation = isOperation(event.operation) ? event.operation : undefined;
    const operationLabel = operation ?? (event.operation === 'models' ? 'models' : OTHER);
    requests.inc({
      operation: operationLabel,
      decision: DECISIONS.has(event.decision) ? event.decision : OTHER,
      status: statusLabel(event.status),
      error_code: event.errorCode === null ? 'none' : errorCodes.map(event.errorCode),
    });
    requestDuration.observe({ operation: operationLabel }, nonNegative(event.latencyMs) / 1000);
    for (const trigger of event.triggers) guardTriggers.inc({ trigger: triggers.map(trigger) });
    if (operation === undefined) return;

    const provider: ProviderName = OPERATION_PROVIDER[operation];
    if (event.upstreamMs !== null)
      upstreamDuration.observe({ provider }, nonNegative(event.upstreamMs) / 1000);
    const model = models.map(event.model);
    const input = nonNegative(event.inputTokens) + nonNegative(event.cachedInputTokens);
    const output = nonNegative(event.outputTokens);
    if (input > 0) tokens.inc({ direction: 'input', provider, model }, input);
    if (output > 0) tokens.inc({ direction: 'output', provider, model }, output);
  };

  return {
    registry,
    observeAudit(event) {
      try {
        observeAudit(event);
      } catch {
        // Metrics are not a security control: a malformed event must not break the audit path.
      }
    },
    limitHit: (limit) => limitHits.inc({ limit: limits.map(limit) }),
    spend(app, micros) {
      const amount = nonNegative(micros);
      if (amount > 0) spendMicros.inc({ app: apps.map(app) }, Math.round(amount));
    },
    failOpen: (component) => failOpen.inc({ component: components.map(component) }),
    auditDropped(count = 1) {
      const amount = nonNegative(count);
      if (amount > 0) auditDropped.inc(amount);
    },
    trackAuditDropped(total) {
      trackedDropSources.push({ read: total, last: 0 });
    },
    alertDropped(reason, count = 1) {
      const amount = nonNegative(count);
      if (amount > 0) alertsDropped.inc({ reason }, amount);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

const safeRead = (read: () => number): number => {
  try {
    return nonNegative(read());
  } catch {
    return 0;
  }
};
