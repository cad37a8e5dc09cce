import type { AuditEvent } from '../core/audit-event.js';

/** A gateway-issued client key as stored: only the hash of the secret part is kept. */
export interface GatewayKeyRecord {
  /** Public id, the part of the key before the secret (e.g. `k3x9...`); safe to log. */
  readonly id: string;
  readonly appId: string;
  /** Lowercase hex SHA-256 of the full key string. */
  readonly hash: string;
  readonly label: string | null;
  /** Model restriction on top of the app allowlist; null = the app's list. */
  readonly models: readonly string[] | null;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
}

export interface KeyStore {
  create(record: GatewayKeyRecord): Promise<void>;
  get(id: string): Promise<GatewayKeyRecord | undefined>;
  list(appId?: string): Promise<GatewayKeyRecord[]>;
  /** Marks the key revoked; returns false when no such key exists. */
  revoke(id: string, at: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface AuditQuery {
  /** Only events at or after this ISO timestamp. */
  readonly since?: string;
  readonly limit?: number;
  readonly requestId?: string;
}

export interface AuditStore {
  /** Appends events atomically (one transaction). */
  append(events: readonly AuditEvent[]): Promise<void>;
  /** Newest first. */
  query(query?: AuditQuery): Promise<AuditEvent[]>;
  close(): Promise<void>;
}
