/**
 * The commented bastion.yaml written by `bastion init`. Production-minded: strict environment,
 * small caps, clamp policy, secrets only by reference. A unit test parses it with parseConfig.
 */
const TEMPLATE = `# bastion.yaml - configuration for the Bastion security gateway.
# Unknown options are refused, so a misspelt setting is an error rather than a silent default.
# Secrets are never written here: use a secret reference, env:NAME (environment variable),
# file:/absolute/path (for example a Docker or Kubernetes secret mount), or a secrets manager:
# vault:secret/data/openai#api_key, aws-sm:prod/openai#api_key, azure-kv:openai-key, gcp-sm:openai-key
# (configured under secrets: below). Literal provider keys are refused.

# production | staging | development. In production and staging, audit.pseudonymKey is required and
# a provider key bound to another environment is refused.
environment: production

server:
  # Address to listen on. Keep 127.0.0.1 behind a reverse proxy; use 0.0.0.0 only in a container.
  host: 127.0.0.1
  port: 8080
  # Proxies whose X-Forwarded-For / Forwarded headers are believed for the client IP.
  trustedProxies: []
  # Require a bearer token for GET /metrics (recommended when the port is reachable by clients).
  # metricsToken: env:BASTION_METRICS_TOKEN

limits:
  # Largest request body accepted, in bytes (1 MiB).
  maxBodyBytes: 1048576
  # Deepest JSON nesting accepted in a request body.
  maxJsonDepth: 32
  # Largest total size of request headers, in bytes (16 KiB; at most 60 KiB).
  maxHeaderBytes: 16384
  # Total time a request may take, streaming included, in milliseconds (10 minutes).
  requestTimeoutMs: 600000

# At least one provider. Bastion holds these keys; clients authenticate with Bastion gateway keys.
providers:
  openai:
    # https only (plain http is allowed for 127.0.0.1, localhost and [::1]). Must include /v1.
    baseUrl: https://api.openai.com/v1
    # Give up when the provider sends no headers or no stream progress for this long (milliseconds).
    timeoutMs: 600000
    # Key ring: the first healthy key is used; a key the provider refuses rests for a cooldown.
    keys:
      # id: 1-64 of a-z 0-9 - _ (appears in logs and alerts). environment: optional binding.
      - id: openai-primary
        secret: env:OPENAI_API_KEY
        environment: production
  anthropic:
    # No /v1 here: Anthropic paths start with /v1.
    baseUrl: https://api.anthropic.com
    timeoutMs: 600000
    keys:
      - id: anthropic-primary
        secret: env:ANTHROPIC_API_KEY
        environment: production
    # How Claude input tokens are counted before the call: estimate (local, conservative, no network)
    # or count_tokens (ask the provider's count_tokens endpoint first).
    tokenCounting: estimate

# Apps (tenants). Each gateway key belongs to one app. App ids: 1-64 of a-z 0-9 - _.
apps:
  default:
    # Allowlist. A plain name infers the provider (claude-* is anthropic, the rest openai);
    # use { name: my-model, provider: openai } to be explicit.
    models:
      - gpt-4o-mini
      - claude-haiku-4-5
    # Requests whose counted input tokens exceed this are refused.
    maxInputTokens: 8000
    # Output cap on every request; injected when the client sends none.
    maxOutputTokens: 1024
    # When a client asks for more than maxOutputTokens: clamp (lower it) or reject (400).
    outputCapPolicy: clamp
    # Largest OpenAI n (number of choices).
    maxChoices: 1
    # Most messages in one request.
    maxMessages: 100
    # Most tool definitions in one request (0 forbids tools).
    maxTools: 32
    # Rate limits (GCRA, exact across replicas with stores.redisUrl). Tokens = counted input + output cap;
    # a tokens limit must be at least maxInputTokens + maxOutputTokens x maxChoices.
    rateLimits:
      perKey:
        requests: { limit: 600, windowSeconds: 60 }
        tokens: { limit: 200000, windowSeconds: 60 }
      perIp:
        requests: { limit: 120, windowSeconds: 60 }
      # perUser needs a verified end user (auth.jwt, or endUser.trustHeader).
      # perUser: { requests: { limit: 30, windowSeconds: 60 } }
      maxConcurrentPerKey: 16
    # Prompt-injection screening of every text field: block, flag (audit trigger only) or off.
    injection:
      action: block
      threshold: 0.5
    # Content moderation through OpenAI's moderation endpoint (needs providers.openai), fail closed, and
    # local filters: keywords, regexes and the built-in children / workplace profiles.
    # moderation: { input: true, output: false, timeoutMs: 2000, onError: block }
    # filters: { profiles: [workplace], keywords: [], applyTo: both }
    # Monthly spend cap: the worst case is reserved before each call, so the cap cannot be overshot.
    budget:
      expectedMonthlyUsd: 100
      # Hard cap as a percentage of expected spend.
      hardCapPercent: 150
      # Alerts, each sent once per month.
      alertPercents: [50, 80, 100]
    # Who the end user is: trust the x-bastion-end-user header from this app's own backend (off by default).
    endUser:
      trustHeader: false
      required: false

# Budget periods are calendar months in this time zone.
budgets:
  timeZone: UTC

# Shared state for several replicas (secret references: these URLs carry passwords).
# stores:
#   redisUrl: env:REDIS_URL        # rate-limit counters; if Redis fails, limits hold per replica
#   databaseUrl: env:DATABASE_URL  # spend ledger; Bastion refuses to start without it when set

# Secrets managers for vault:, aws-sm:, azure-kv: and gcp-sm: references. Provider keys are re-read every
# refreshSeconds (rotations land without a restart); keys older than rotationDays raise an alert.
# secrets:
#   refreshSeconds: 300
#   rotationDays: 90
#   vault: { address: https://vault.internal:8200, auth: { method: kubernetes, role: bastion } }
#   aws: { region: us-east-1 }                     # credentials from the SDK's default chain
#   azure: { vaultUrl: https://my-vault.vault.azure.net }
#   gcp: { project: my-project }

# Alerts (budget thresholds, store outages) go to the log; add webhooks as secret references.
alerts:
  log: true
  # webhooks: [{ url: env:SLACK_WEBHOOK_URL, format: slack }]

audit:
  # One JSON line per request on stdout.
  stdout: true
  # Optional file for the audit JSON lines, written instead of stdout (null for none).
  file: null
  # HMAC key that pseudonymizes user ids in audit events. Required in production and staging.
  # Generate 32 random bytes once, e.g. openssl rand -hex 32, and keep them stable.
  pseudonymKey: env:BASTION_PSEUDONYM_KEY

storage:
  # Embedded SQLite database (gateway keys and the audit store). Relative to the working directory.
  sqlitePath: ./.bastion/bastion.db
`;

export const initTemplate = (): string => TEMPLATE;
