/**
 * Composition root: config -> secrets -> stores -> providers -> guards -> engine -> http.
 * The only module that knows every concrete adapter.
 */
import { readFile } from 'node:fs/promises';
import { AuditSink, createLogger, createPseudonymizer } from './audit/index.js';
import type { Logger } from './audit/index.js';
import { buildAppPolicies } from './config/policies.js';
import { AlertDispatcher, LogAlertSink, WebhookAlertSink, createMetrics } from './monitor/index.js';
import type { AlertSink } from './monitor/index.js';
import { buildCounterStore, buildLedgerStore } from './app-stores.js';
import { buildModerationGuards } from './app-moderation.js';
import { createPriceTable } from './pricing/price-table.js';
import { resolveSecret } from './secrets/resolve.js';
import type { SecretRef } from './config/secret-ref.js';
import { createJwtVerifier } from './identity/jwt.js';
import { createRateLimitGuard } from './guards/rate-limit/index.js';
import { createBudgetGuard } from './guards/budget/index.js';
import { createInjectionGuard } from './guards/injection/index.js';
import { createSystemPromptGuard, createSystemPromptLeakGuard } from './guards/system-prompt/index.js';
import { createOutputDlpGuard } from './guards/output-dlp/index.js';
import { createCodePolicyGuard } from './guards/code-policy/index.js';
import { createOutputSanitizeGuard } from './guards/output-sanitize/index.js';
import type { OutputGuard } from './pipeline/output.js';
import { loadPolicyHooks } from './app-policy-hooks.js';
import { createInjectionDetector } from './detect/injection/index.js';
import type { BastionConfig } from './config/schema.js';
import { systemClock } from './core/clock.js';
import { hashGatewayKey, hashesEqual } from './core/gateway-key.js';
import type { Clock } from './core/clock.js';
import type { AuditEvent } from './core/audit-event.js';
import type { ProviderName } from './core/types.js';
import { Engine } from './engine/engine.js';
import { createProviderTokenCounter } from './engine/provider-token-counter.js';
import type { CredentialPool } from './engine/types.js';
import { createAuthGuard } from './guards/auth/index.js';
import { createEndUserGuard } from './guards/end-user/index.js';
import { createInputValidationGuard } from './guards/input-validation/index.js';
import { createHttpServer } from './http/server.js';
import { createAnthropicAdapter } from './providers/anthropic/adapter.js';
import { createOpenAIAdapter } from './providers/openai/adapter.js';
import { createUpstreamClient, normalizeOrigin } from './providers/shared/http-client.js';
import type { ProviderAdapter } from './providers/types.js';
import { loadProviderKeys, loadPseudonymKey } from './secrets/load-provider-keys.js';
import type { KeyRefreshResult } from './secrets/refresher.js';
import { createSecretManagers } from './secrets/sources/registry.js';
import { Redactor } from './secrets/redactor.js';
import { SqliteAuditStore, SqliteKeyStore, closeSqlite, openSqlite } from './stores/sqlite/index.js';
import type { AuditStore, KeyStore, LedgerStore } from './stores/ports.js';

/** Startup failure reading a secret reference; the CLI reports it as a configuration error. */
export { SecretError } from './secrets/resolve.js';
export type { GatewayKeyRecord } from './stores/ports.js';

export interface BastionOptions {
  readonly config: BastionConfig;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  /** Operational log destination; default stdout. Tests pass a stream to inspect it. */
  readonly logDestination?: 'stdout' | { file: string } | NodeJS.WritableStream;
  /** Audit JSON-lines destination; default from config (stdout unless disabled). */
  readonly auditDestination?: 'stdout' | { file: string } | NodeJS.WritableStream | null;
  readonly logLevel?: 'info' | 'warn' | 'error' | 'silent' | 'debug';
}

export interface Bastion {
  readonly config: BastionConfig;
  readonly keys: KeyStore;
  readonly auditStore: AuditStore;
  readonly audit: AuditSink;
  readonly log: Logger;
  readonly redactor: Redactor;
  /** Re-reads every provider key now (the periodic refresh runs every secrets.refreshSeconds). */
  refreshSecrets(): Promise<KeyRefreshResult[]>;
  readonly http: ReturnType<typeof createHttpServer>;
  /** Request and output guard names, in pipeline order. */
  readonly pipeline: ReturnType<Engine['describePipeline']>;
  /** Listens on config.server (or the given port; 0 = ephemeral) and returns the base URL. */
  listen(port?: number): Promise<string>;
  close(): Promise<void>;
}

const PROVIDER_FACTORIES: Record<
  ProviderName,
  (baseUrl: string, client: ReturnType<typeof createUpstreamClient>) => ProviderAdapter
> = {
  openai: (baseUrl, client) => createOpenAIAdapter({ baseUrl, client }),
  anthropic: (baseUrl, client) => createAnthropicAdapter({ baseUrl, client }),
};

/** The spend ledger alone, for `bastion usage`. */
export async function openLedgerStore(
  config: BastionConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ledger: LedgerStore; close(): Promise<void> }> {
  const databaseUrl = config.stores.databaseUrl
    ? await resolveSecret(config.stores.databaseUrl, { env, readFile: (path) => readFile(path, 'utf8') })
    : undefined;
  const db = openSqlite(config.storage.sqlitePath);
  const ledger = await buildLedgerStore({
    databaseUrl,
    namespace: config.stores.namespace,
    clock: systemClock,
    sqlite: db,
  });
  return {
    ledger,
    close: async () => {
      await ledger.close();
      closeSqlite(db);
    },
  };
}

/** Key store alone, for `bastion keys` (no provider secrets needed). */
export function openKeyStore(config: BastionConfig): { keys: KeyStore; close(): Promise<void> } {
  const db = openSqlite(config.storage.sqlitePath);
  const keys = new SqliteKeyStore(db);
  return { keys, close: async () => closeSqlite(db) };
}

export async function createBastion(options: BastionOptions): Promise<Bastion> {
  const { config } = options;
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const redactor = new Redactor();
  const redact = (line: string): string => redactor.redact(line);
  const log = createLogger({
    level: options.logLevel ?? 'info',
    destination: options.logDestination ?? 'stdout',
    redact,
    base: { service: 'bastion', environment: config.environment },
  });

  const localDeps = { env, readFile: (path: string) => readFile(path, 'utf8') };
  // Secrets managers (vault:, aws-sm:, azure-kv:, gcp-sm:); their own credentials are env:/file: refs.
  const managers = createSecretManagers(config.secrets, {
    clock,
    registerSecret: (value, label) => redactor.add(value, label),
    resolveLocal: async (ref, label) => {
      const value = await resolveSecret(ref, localDeps);
      redactor.add(value, label);
      return value;
    },
  });
  const secretDeps = {
    ...localDeps,
    managers,
    clock,
    redactor,
    warn: (message: string) => log.warn({ component: 'secrets' }, message),
    info: (fields: object, message: string) => log.info(fields, message),
  };
  let loaded;
  try {
    loaded = {
      keys: await loadProviderKeys(config, secretDeps),
      pseudonymKey: await loadPseudonymKey(config, secretDeps),
    };
  } catch (error) {
    await managers.close();
    throw error;
  }
  const { rings: keyRings, refresher } = loaded.keys;
  const pseudonymKey = loaded.pseudonymKey;
  /** Secrets beyond provider keys (store URLs, webhook URLs, JWT secret) also go through the redactor. */
  const secret = async (ref: SecretRef, label: string): Promise<string> => {
    const value = await resolveSecret(ref, secretDeps);
    redactor.add(value, label);
    return value;
  };

  // Resources opened so far; a failed start closes them (an open Redis connection or pool would
  // otherwise keep the process alive after the error).
  const opened: Array<() => unknown> = [() => managers.close()];
  try {
    const db = openSqlite(config.storage.sqlitePath);
    opened.push(() => closeSqlite(db));
    const keys = new SqliteKeyStore(db);
    const auditStore = new SqliteAuditStore(db);
    const auditDestination =
      options.auditDestination !== undefined
        ? options.auditDestination
        : config.audit.file
          ? { file: config.audit.file }
          : config.audit.stdout
            ? 'stdout'
            : null;
    const auditLogger =
      auditDestination === null
        ? undefined
        : createLogger({ level: 'info', destination: auditDestination, redact, base: {} });
    const audit = new AuditSink({ store: auditStore, logger: log, ...(auditLogger && { auditLogger }) });
    const metrics = createMetrics({
      environment: config.environment,
      allowedApps: Object.keys(config.apps),
      allowedModels: Object.values(config.apps).flatMap((app) => app.models.map((model) => model.name)),
    });
    metrics.trackAuditDropped(() => audit.dropped);

    const alertSinks: AlertSink[] = config.alerts.log ? [new LogAlertSink(log)] : [];
    for (const [index, webhook] of config.alerts.webhooks.entries()) {
      alertSinks.push(
        new WebhookAlertSink({
          url: await secret(webhook.url, `alert-webhook-${index}`),
          format: webhook.format,
          timeoutMs: webhook.timeoutMs,
          retries: webhook.retries,
        }),
      );
    }
    const alerts: AlertDispatcher = new AlertDispatcher({
      sinks: alertSinks,
      redact,
      logger: log,
      clock,
      onDrop: (reason, _sink, count) => metrics.alertDropped(reason, count),
    });
    const alert = (input: {
      kind: string;
      severity: 'info' | 'warning' | 'critical';
      subject: Record<string, string | number>;
      message: string;
    }): void => {
      alerts.emit({ ...input, environment: config.environment });
    };

    opened.push(() => alerts.close(1_000));
    // Provider keys are re-read every refreshSeconds: rotations land without a restart, failures alert.
    refresher.setAlert(alert);
    refresher.checkAges();
    refresher.start(config.secrets.refreshSeconds * 1000);
    opened.push(() => refresher.stop());
    const { counters } = await buildCounterStore({
      redisUrl: config.stores.redisUrl ? await secret(config.stores.redisUrl, 'redis-url') : undefined,
      namespace: config.stores.namespace,
      clock,
      warn: (message) => log.warn({ component: 'rate-limit' }, message),
      onFallback: () => metrics.failOpen('rate_limit_store'),
      onDegraded: (state) => {
        alert({
          kind: `rate_limit_store.${state}`,
          severity: state === 'degraded' ? 'critical' : 'info',
          subject: { store: 'redis' },
          message:
            state === 'degraded'
              ? 'Redis is unavailable: request and token limits now hold per replica only'
              : 'Redis is back: limits are shared across replicas again',
        });
      },
    });
    opened.push(() => counters.close());
    const ledger = await buildLedgerStore({
      databaseUrl: config.stores.databaseUrl
        ? await secret(config.stores.databaseUrl, 'database-url')
        : undefined,
      namespace: config.stores.namespace,
      clock,
      sqlite: db,
    });
    opened.push(() => ledger.close());
    const metricsToken = config.server.metricsToken
      ? await secret(config.server.metricsToken, 'metrics-token')
      : undefined;
    const prices = createPriceTable({ overrides: config.pricing.overrides, now: () => clock.now() });
    const jwtConfig = config.auth.jwt;
    const verifier = jwtConfig
      ? await createJwtVerifier({
          ...(jwtConfig.jwksUrl !== undefined && { jwksUrl: jwtConfig.jwksUrl }),
          ...(jwtConfig.jwksFile !== undefined && { jwksFile: jwtConfig.jwksFile }),
          ...(jwtConfig.secret !== undefined && {
            secret: await secret(jwtConfig.secret, 'jwt-secret'),
          }),
          issuer: jwtConfig.issuer,
          audience: jwtConfig.audience,
          userClaim: jwtConfig.userClaim,
          clockSkewSeconds: jwtConfig.clockSkewSeconds,
          ...(jwtConfig.algorithms !== undefined && { algorithms: jwtConfig.algorithms }),
          jwksCacheSeconds: jwtConfig.jwksCacheSeconds,
        })
      : undefined;
    // Metrics are derived from the audit event, so every request is counted exactly once.
    const recorder = {
      record(event: AuditEvent): void {
        audit.record(event);
        metrics.observeAudit(event);
      },
    };

    const providerEntries = Object.entries(config.providers).filter(
      (entry): entry is [ProviderName, NonNullable<(typeof entry)[1]>] => entry[1] !== undefined,
    );
    // One keep-alive pool per provider, created once; each may reach only its own configured origin.
    const upstreamClients = new Map<ProviderName, ReturnType<typeof createUpstreamClient>>();
    const providers = new Map<ProviderName, ProviderAdapter>(
      providerEntries.map(([name, provider]) => {
        const client = createUpstreamClient({
          allowedOrigins: [normalizeOrigin(provider.baseUrl)],
          connectTimeoutMs: 10_000,
          headersTimeoutMs: provider.timeoutMs,
          bodyTimeoutMs: provider.timeoutMs,
        });
        upstreamClients.set(name, client);
        return [name, PROVIDER_FACTORIES[name](provider.baseUrl, client)];
      }),
    );
    opened.push(() => Promise.all([...providers.values()].map((adapter) => adapter.close())));

    const apps = buildAppPolicies(config);
    const auth = createAuthGuard({
      keys,
      apps,
      clock,
      ...(verifier && jwtConfig?.app !== undefined && { jwt: { verifier, app: jwtConfig.app } }),
    });
    const anthropic = providers.get('anthropic');
    const anthropicKeys = keyRings.get('anthropic');
    const countTokens =
      anthropic && anthropicKeys ? createProviderTokenCounter(anthropic, anthropicKeys) : undefined;
    const pseudonymize = createPseudonymizer(pseudonymKey.key);
    // Moderation shares the OpenAI provider's pool (egress allowlist) and key ring.
    const openaiClient = upstreamClients.get('openai');
    const openaiKeys = keyRings.get('openai');
    const moderation = buildModerationGuards({
      config,
      openai: openaiClient && openaiKeys ? { client: openaiClient, keys: openaiKeys } : undefined,
      pseudonymize,
      clock,
      registry: metrics.registry,
      alert,
      warn: (fields, message) => log.warn(fields, message),
    });
    // A leaked system prompt is an incident: alert with the app and request id (never the text).
    const leakGuard = createSystemPromptLeakGuard({
      onLeak: (leak) =>
        alert({
          kind: 'system_prompt.leak',
          severity: 'critical',
          subject: { app: leak.appId, requestId: leak.requestId, detector: leak.kind, action: leak.action },
          message:
            leak.action === 'block'
              ? 'A response leaked the protected system prompt and was blocked'
              : 'A response leaked the protected system prompt; the leaked text was redacted',
        }),
    });

    // Pipeline order: who is calling, is the request acceptable, whose request is it, may they send
    // it now (rate limits), can it be paid for (budget reservation).
    const guards = [
      auth,
      createInputValidationGuard({
        maxJsonDepth: config.limits.maxJsonDepth,
        ...(countTokens && { countTokens }),
      }),
      createEndUserGuard({ pseudonymize, ...(verifier && { verifier }) }),
      // Before rate limits and the budget, so both reserve the server-side prompt's tokens too.
      createSystemPromptGuard(),
      createRateLimitGuard({ counters, pseudonymize, onLimitHit: (limit) => metrics.limitHit(limit) }),
      // The detector model is loaded once here, never per request.
      createInjectionGuard({ detector: createInjectionDetector() }),
      // Local filters, then the moderation endpoint: refused content reserves no budget.
      moderation.guard,
      createBudgetGuard({
        ledger,
        prices,
        clock,
        pseudonymize,
        timeZone: config.budgets.timeZone,
        ...(config.budgets.globalMonthlyUsd !== undefined && {
          globalMonthlyUsd: config.budgets.globalMonthlyUsd,
        }),
        reservationTtlMs: config.budgets.reservationTtlSeconds * 1000,
        environment: config.environment,
        alert,
        onSpend: (app, micros) => metrics.spend(app, micros),
        onLimitHit: (limit) => metrics.limitHit(limit),
      }),
    ];

    // Output guards, in order: leak scans see the model's raw output, then moderation and the app's
    // own policy, and the sanitizers come last because they rewrite text for rendering.
    const outputGuards: OutputGuard[] = [
      leakGuard,
      createOutputDlpGuard(),
      moderation.outputGuard,
      createCodePolicyGuard(await loadPolicyHooks(config)),
      createOutputSanitizeGuard(),
    ];

    const engine = new Engine({
      environment: config.environment,
      clock,
      guards,
      outputGuards,
      guardTimeoutMs: 2_000,
      providers,
      credentials: keyRings as ReadonlyMap<ProviderName, CredentialPool>,
      audit: recorder,
      pseudonymize,
      metrics: () => metrics.render(),
      ...(metricsToken !== undefined && {
        metricsAuthorized: (credential: string | undefined) =>
          credential !== undefined && hashesEqual(hashGatewayKey(credential), hashGatewayKey(metricsToken)),
      }),
      log,
      authenticate: (credential) => auth.authenticate(credential),
      ready: async () => {
        await keys.list('__readiness_probe__');
        return true;
      },
    });
    const http = createHttpServer(engine, {
      ...config.limits,
      trustedProxies: config.server.trustedProxies,
    });

    let closed = false;
    return {
      config,
      keys,
      auditStore,
      audit,
      log,
      redactor,
      http,
      pipeline: engine.describePipeline(),
      refreshSecrets: () => refresher.refresh(),
      async listen(port?: number): Promise<string> {
        return http.listen({ host: config.server.host, port: port ?? config.server.port });
      },
      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        refresher.stop();
        await http.close();
        // Settlements (ledger commits, refunds) still running must land before the stores close.
        await engine.drain();
        await audit.close();
        // Closing an adapter closes its upstream client.
        await Promise.all([...providers.values()].map((adapter) => adapter.close()));
        await alerts.close(5_000);
        await counters.close();
        await ledger.close();
        closeSqlite(db);
        await managers.close();
        log.flush();
      },
    };
  } catch (error) {
    for (const close of opened.reverse())
      await Promise.resolve()
        .then(close)
        .catch(() => undefined);
    throw error;
  }
}
