import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../src/core/audit-event.js';
import { createMetrics } from '../../../src/monitor/metrics.js';
import { parsePrometheusText, seriesOf, valueOf } from './prom-text.js';

const event = (overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  v: 1,
  requestId: 'req_abcdefghijklmnopqrstuvwx',
  ts: '2026-01-01T00:00:00.000Z',
  environment: 'production',
  operation: 'openai.chat',
  route: '/v1/chat/completions',
  app: 'support',
  keyId: 'key_primary',
  user: 'u_0123456789abcdef0123456789abcdef',
  model: 'gpt-4o-mini',
  apiVersion: null,
  stream: false,
  inputTokens: 100,
  outputTokens: 20,
  cachedInputTokens: 30,
  latencyMs: 250,
  upstreamMs: 200,
  providerKeyId: 'primary',
  decision: 'allowed',
  status: 200,
  errorCode: null,
  triggers: [],
  ...overrides,
});

const scrape = async (metrics: ReturnType<typeof createMetrics>) => {
  const { contentType, body } = await metrics.render();
  expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  return { body, samples: parsePrometheusText(body) };
};

const newMetrics = (extra: Partial<Parameters<typeof createMetrics>[0]> = {}) =>
  createMetrics({
    environment: 'production',
    allowedModels: ['gpt-4o-mini', 'claude-sonnet-4-5'],
    processMetrics: false,
    ...extra,
  });

describe('createMetrics: observeAudit', () => {
  it('counts requests, durations, tokens and triggers from audit events', async () => {
    const metrics = newMetrics();
    metrics.observeAudit(event());
    metrics.observeAudit(event({ triggers: ['max_tokens.clamped'] }));
    metrics.observeAudit(
      event({
        operation: 'anthropic.messages',
        model: 'claude-sonnet-4-5',
        decision: 'denied',
        status: 429,
        errorCode: 'rate_limited',
        inputTokens: null,
        outputTokens: null,
        cachedInputTokens: null,
        upstreamMs: null,
        latencyMs: 2,
        triggers: ['rate_limit.rate_limited'],
      }),
    );
    const { samples } = await scrape(metrics);

    expect(
      valueOf(samples, 'bastion_requests_total', {
        operation: 'openai.chat',
        decision: 'allowed',
        status: '200',
        error_code: 'none',
      }),
    ).toBe(2);
    expect(
      valueOf(samples, 'bastion_requests_total', {
        operation: 'anthropic.messages',
        decision: 'denied',
        status: '429',
        error_code: 'rate_limited',
      }),
    ).toBe(1);
    expect(valueOf(samples, 'bastion_request_duration_seconds_count', { operation: 'openai.chat' })).toBe(2);
    expect(
      valueOf(samples, 'bastion_request_duration_seconds_sum', { operation: 'openai.chat' }),
    ).toBeCloseTo(0.5);
    expect(
      valueOf(samples, 'bastion_request_duration_seconds_bucket', {
        operation: 'anthropic.messages',
        le: '0.0025',
      }),
    ).toBe(1);
    expect(
      valueOf(samples, 'bastion_request_duration_seconds_bucket', {
        operation: 'anthropic.messages',
        le: '0.001',
      }),
    ).toBe(0);
    expect(valueOf(samples, 'bastion_upstream_duration_seconds_count', { provider: 'openai' })).toBe(2);
    expect(valueOf(samples, 'bastion_upstream_duration_seconds_count', { provider: 'anthropic' })).toBe(0);
    // Input counts cached input too: 100 + 30 per request.
    expect(
      valueOf(samples, 'bastion_tokens_total', {
        direction: 'input',
        provider: 'openai',
        model: 'gpt-4o-mini',
      }),
    ).toBe(260);
    expect(valueOf(samples, 'bastion_tokens_total', { direction: 'output', provider: 'openai' })).toBe(40);
    expect(valueOf(samples, 'bastion_tokens_total', { provider: 'anthropic' })).toBe(0);
    expect(valueOf(samples, 'bastion_guard_triggers_total', { trigger: 'max_tokens.clamped' })).toBe(1);
    expect(valueOf(samples, 'bastion_guard_triggers_total', { trigger: 'rate_limit.rate_limited' })).toBe(1);
  });

  it('has 1 ms to 60 s buckets', async () => {
    const metrics = newMetrics();
    metrics.observeAudit(event({ latencyMs: 59_000 }));
    const { samples } = await scrape(metrics);
    const les = seriesOf(samples, 'bastion_request_duration_seconds_bucket').map((s) => s.labels.le);
    expect(les[0]).toBe('0.001');
    expect(les).toContain('60');
    expect(valueOf(samples, 'bastion_request_duration_seconds_bucket', { le: '30' })).toBe(0);
    expect(valueOf(samples, 'bastion_request_duration_seconds_bucket', { le: '60' })).toBe(1);
  });

  it('maps unknown operations, error codes and statuses to bounded values and skips provider metrics', async () => {
    const metrics = newMetrics();
    metrics.observeAudit(
      event({ operation: 'unknown', status: 404, errorCode: 'route_not_found', decision: 'denied' }),
    );
    metrics.observeAudit(event({ operation: 'models' }));
    metrics.observeAudit(event({ errorCode: 'made_up_code', status: 9999, decision: 'failed' }));
    const { samples } = await scrape(metrics);
    expect(
      valueOf(samples, 'bastion_requests_total', {
        operation: 'other',
        error_code: 'route_not_found',
        status: '404',
      }),
    ).toBe(1);
    expect(valueOf(samples, 'bastion_requests_total', { operation: 'models' })).toBe(1);
    expect(
      valueOf(samples, 'bastion_requests_total', {
        error_code: 'other',
        status: 'other',
        decision: 'failed',
      }),
    ).toBe(1);
    // Only the openai.chat event has a provider.
    expect(valueOf(samples, 'bastion_upstream_duration_seconds_count')).toBe(1);
    expect(valueOf(samples, 'bastion_tokens_total', { direction: 'input' })).toBe(130);
  });

  it('never throws on a malformed event', () => {
    const metrics = newMetrics();
    expect(() => metrics.observeAudit({ ...event(), triggers: null } as unknown as AuditEvent)).not.toThrow();
    expect(() => metrics.observeAudit({ ...event(), latencyMs: NaN, inputTokens: -5 })).not.toThrow();
  });
});

describe('createMetrics: other counters', () => {
  it('counts limit hits, spend, fail-open, audit and alert drops', async () => {
    const metrics = newMetrics({ allowedApps: ['support'] });
    metrics.limitHit('requests_per_user');
    metrics.limitHit('requests_per_user');
    metrics.limitHit('budget');
    metrics.spend('support', 1_500);
    metrics.spend('support', 250);
    metrics.spend('support', -10);
    metrics.spend('not-configured', 99);
    metrics.failOpen('rate_limit_store');
    metrics.auditDropped();
    metrics.auditDropped(4);
    let sinkDropped = 3;
    metrics.trackAuditDropped(() => sinkDropped);
    metrics.alertDropped('queue_full', 2);
    let { samples } = await scrape(metrics);
    expect(valueOf(samples, 'bastion_limit_hits_total', { limit: 'requests_per_user' })).toBe(2);
    expect(valueOf(samples, 'bastion_limit_hits_total', { limit: 'budget' })).toBe(1);
    expect(valueOf(samples, 'bastion_spend_micros_total', { app: 'support' })).toBe(1_750);
    expect(valueOf(samples, 'bastion_spend_micros_total', { app: 'other' })).toBe(99);
    expect(valueOf(samples, 'bastion_fail_open_total', { component: 'rate_limit_store' })).toBe(1);
    expect(valueOf(samples, 'bastion_audit_dropped_total')).toBe(8);
    expect(valueOf(samples, 'bastion_alerts_dropped_total', { reason: 'queue_full' })).toBe(2);

    // The tracked source adds only its increase at each scrape.
    sinkDropped = 10;
    ({ samples } = await scrape(metrics));
    expect(valueOf(samples, 'bastion_audit_dropped_total')).toBe(15);
    ({ samples } = await scrape(metrics));
    expect(valueOf(samples, 'bastion_audit_dropped_total')).toBe(15);
  });

  it('keeps each instance on its own registry', async () => {
    const a = newMetrics();
    const b = newMetrics({ environment: 'staging' });
    a.limitHit('budget');
    const { samples } = await scrape(b);
    expect(valueOf(samples, 'bastion_limit_hits_total')).toBe(0);
    expect((await scrape(a)).samples.some((s) => s.name === 'bastion_limit_hits_total')).toBe(true);
  });

  it('exports process metrics by default, with the environment label', async () => {
    const metrics = createMetrics({ environment: 'staging' });
    const { samples } = await scrape(metrics);
    const cpu = seriesOf(samples, 'process_cpu_user_seconds_total');
    expect(cpu).toHaveLength(1);
    expect(cpu[0]?.labels.environment).toBe('staging');
    expect(seriesOf((await scrape(newMetrics())).samples, 'process_cpu_user_seconds_total')).toHaveLength(0);
  });
});

describe('createMetrics: exposition and label hygiene', () => {
  it('renders parseable Prometheus text with environment on every sample', async () => {
    const metrics = newMetrics({ environment: 'development', processMetrics: true });
    metrics.observeAudit(event({ triggers: ['a.b', 'c'] }));
    metrics.limitHit('tokens_per_key');
    metrics.spend('support', 1);
    metrics.failOpen('alerts');
    metrics.auditDropped();
    metrics.alertDropped('closed');
    const { body, samples } = await scrape(metrics);
    expect(samples.length).toBeGreaterThan(50);
    for (const sample of samples) expect(sample.labels.environment).toBe('development');
    for (const name of [
      'bastion_requests_total',
      'bastion_request_duration_seconds',
      'bastion_upstream_duration_seconds',
      'bastion_tokens_total',
      'bastion_guard_triggers_total',
      'bastion_limit_hits_total',
      'bastion_spend_micros_total',
      'bastion_fail_open_total',
      'bastion_audit_dropped_total',
    ])
      expect(body).toContain(`# TYPE ${name} `);
  });

  it('bounds label cardinality whatever the traffic', async () => {
    const metrics = newMetrics({ maxLabelValues: 10 });
    for (let i = 0; i < 500; i++) {
      metrics.observeAudit(
        event({
          model: `model-${i}`,
          keyId: `key_${i}`,
          user: `u_${i}`,
          app: `app_${i}`,
          triggers: [`rule_${i}.fired`],
          errorCode: `code_${i}`,
        }),
      );
      metrics.limitHit(`limit_${i}`);
      metrics.failOpen(`component_${i}`);
      metrics.spend(`app_${i}`, 1);
    }
    const { body, samples } = await scrape(metrics);
    // Models outside the allowlist all become `other`.
    expect(new Set(seriesOf(samples, 'bastion_tokens_total').map((s) => s.labels.model))).toEqual(
      new Set(['other']),
    );
    expect(seriesOf(samples, 'bastion_requests_total')).toHaveLength(1);
    expect(seriesOf(samples, 'bastion_guard_triggers_total')).toHaveLength(11);
    expect(seriesOf(samples, 'bastion_limit_hits_total')).toHaveLength(11);
    expect(seriesOf(samples, 'bastion_fail_open_total')).toHaveLength(11);
    expect(seriesOf(samples, 'bastion_spend_micros_total')).toHaveLength(11);
    expect(valueOf(samples, 'bastion_guard_triggers_total', { trigger: 'other' })).toBe(490);
    expect(body).not.toMatch(/key_\d|u_\d|model-\d/);
    expect(samples.length).toBeLessThan(200);
  });

  it('never exports secret-looking strings as label values', async () => {
    const secrets = [
      'sk-proj-AbC123dEf456GhI789jKl',
      'bst_live_9f8e7d6c5b4a3f2e1d0c',
      'sk-ant-api03-abcdef1234567890',
      'eyJhbGciOiJIUzI1NiJ9',
      'ghp_1234567890abcdefABCDEF',
      'a1b2c3d4e5f6a7b8',
    ];
    const metrics = newMetrics();
    for (const secret of secrets) {
      metrics.observeAudit(
        event({ model: secret, keyId: secret, user: secret, triggers: [secret, `auth.${secret}`] }),
      );
      metrics.limitHit(secret);
      metrics.failOpen(secret.toLowerCase());
      metrics.spend(secret.toLowerCase(), 5);
      metrics.limitHit(`limit.${secret.toLowerCase()}`);
    }
    const { body } = await scrape(metrics);
    for (const secret of secrets) {
      expect(body).not.toContain(secret);
      expect(body).not.toContain(secret.toLowerCase());
    }
    expect(body).not.toMatch(/sk-|bst_|eyj|ghp_/i);
  });
});
