import type { Statement } from 'better-sqlite3';
import type { AuditDecision, AuditEvent } from '../../core/audit-event.js';
import type { Environment } from '../../core/types.js';
import type { AuditQuery, AuditStore } from '../ports.js';
import { closeSqlite } from './database.js';
import type { Database } from './database.js';

/** Same query bounds as every AuditStore adapter (see the contract suite). */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

function normalizeLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  return Math.min(limit, MAX_LIMIT);
}

interface AuditRow {
  v: number;
  request_id: string;
  ts: string;
  environment: string;
  operation: string;
  route: string;
  app: string | null;
  key_id: string | null;
  user: string | null;
  model: string | null;
  api_version: string | null;
  stream: number;
  input_tokens: number | null;
  output_tokens: number | null;
  cached_input_tokens: number | null;
  latency_ms: number;
  upstream_ms: number | null;
  provider_key_id: string | null;
  decision: string;
  status: number;
  error_code: string | null;
  triggers: string;
}

const COLUMNS =
  'v, request_id, ts, environment, operation, route, app, key_id, user, model, api_version, stream, ' +
  'input_tokens, output_tokens, cached_input_tokens, latency_ms, upstream_ms, provider_key_id, decision, ' +
  'status, error_code, triggers';
const PARAMS = COLUMNS.split(', ')
  .map((column) => `@${column}`)
  .join(', ');

const toRow = (e: AuditEvent): AuditRow => ({
  v: e.v,
  request_id: e.requestId,
  ts: e.ts,
  environment: e.environment,
  operation: e.operation,
  route: e.route,
  app: e.app,
  key_id: e.keyId,
  user: e.user,
  model: e.model,
  api_version: e.apiVersion,
  stream: e.stream ? 1 : 0,
  input_tokens: e.inputTokens,
  output_tokens: e.outputTokens,
  cached_input_tokens: e.cachedInputTokens,
  latency_ms: e.latencyMs,
  upstream_ms: e.upstreamMs,
  provider_key_id: e.providerKeyId,
  decision: e.decision,
  status: e.status,
  error_code: e.errorCode,
  triggers: JSON.stringify(e.triggers),
});

function parseTriggers(text: string): readonly string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((t): t is string => typeof t === 'string')) {
    throw new Error('Corrupt triggers column in audit_events.');
  }
  return Object.freeze(value);
}

// Rows are only ever written by toRow from a typed AuditEvent, so the string columns narrow safely.
const toEvent = (r: AuditRow): AuditEvent =>
  Object.freeze({
    v: 1,
    requestId: r.request_id,
    ts: r.ts,
    environment: r.environment as Environment,
    operation: r.operation as AuditEvent['operation'],
    route: r.route,
    app: r.app,
    keyId: r.key_id,
    user: r.user,
    model: r.model,
    apiVersion: r.api_version,
    stream: r.stream === 1,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cachedInputTokens: r.cached_input_tokens,
    latencyMs: r.latency_ms,
    upstreamMs: r.upstream_ms,
    providerKeyId: r.provider_key_id,
    decision: r.decision as AuditDecision,
    status: r.status,
    errorCode: r.error_code,
    triggers: parseTriggers(r.triggers),
  });

/**
 * AuditStore on the embedded SQLite database. Events are columns (queryable) plus a JSON `triggers`
 * column. `since` compares ISO-8601 strings, which order correctly when all use `toISOString()` (UTC, `Z`).
 */
export class SqliteAuditStore implements AuditStore {
  private readonly insert: Statement<[AuditRow]>;
  private readonly appendBatch: (rows: readonly AuditRow[]) => void;
  private readonly selects: Record<
    'all' | 'since' | 'request' | 'sinceRequest',
    Statement<unknown[], AuditRow>
  >;

  constructor(private readonly db: Database) {
    this.insert = db.prepare(`INSERT INTO audit_events (${COLUMNS}) VALUES (${PARAMS})`);
    this.appendBatch = db.transaction((rows: readonly AuditRow[]) => {
      for (const row of rows) this.insert.run(row);
    });
    const select = (where: string): Statement<unknown[], AuditRow> =>
      db.prepare(`SELECT ${COLUMNS} FROM audit_events ${where} ORDER BY ts DESC, seq DESC LIMIT @limit`);
    this.selects = {
      all: select(''),
      since: select('WHERE ts >= @since'),
      request: select('WHERE request_id = @requestId'),
      sinceRequest: select('WHERE ts >= @since AND request_id = @requestId'),
    };
  }

  async append(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Convert everything before opening the transaction so a bad event cannot leave it half done.
    this.appendBatch(events.map(toRow));
  }

  async query(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const limit = normalizeLimit(query.limit);
    const { since, requestId } = query;
    const statement =
      since === undefined
        ? requestId === undefined
          ? this.selects.all
          : this.selects.request
        : requestId === undefined
          ? this.selects.since
          : this.selects.sinceRequest;
    const params: Record<string, unknown> = { limit };
    if (since !== undefined) params['since'] = since;
    if (requestId !== undefined) params['requestId'] = requestId;
    return statement.all(params).map(toEvent);
  }

  /** Closes the shared database (idempotent); close the audit sink before the stores. */
  async close(): Promise<void> {
    closeSqlite(this.db);
  }
}
