import { openKeyStore } from '../app.js';
import type { BastionConfig } from '../config/schema.js';
import { generateGatewayKey } from '../core/gateway-key.js';
import type { GatewayKeyRecord } from '../app.js';
import { parseExpiry } from './duration.js';
import { CliError, EXIT } from './exit-codes.js';
import type { CliIO } from './io.js';

export interface CreateKeyOptions {
  readonly app: string;
  readonly models?: string;
  readonly expires?: string;
  readonly label?: string;
  readonly json?: boolean;
}

/** Issues a key: prints it once; only its hash is stored. */
export async function createKey(
  io: CliIO,
  config: BastionConfig,
  options: CreateKeyOptions,
): Promise<string> {
  const app = config.apps[options.app];
  if (!app) {
    throw new CliError(
      `Unknown app "${options.app}". Apps in the config: ${Object.keys(config.apps).join(', ')}`,
    );
  }
  const allowlist = new Set(app.models.map((model) => (typeof model === 'string' ? model : model.name)));
  const models = options.models
    ?.split(',')
    .map((model) => model.trim())
    .filter(Boolean);
  const unknown = models?.filter((model) => !allowlist.has(model)) ?? [];
  if (unknown.length > 0) {
    throw new CliError(`--models: not in app "${options.app}" allowlist: ${unknown.join(', ')}`);
  }
  const now = Date.now();
  const generated = generateGatewayKey();
  const record: GatewayKeyRecord = {
    id: generated.id,
    appId: options.app,
    hash: generated.hash,
    label: options.label ?? null,
    models: models && models.length > 0 ? models : null,
    createdAt: now,
    expiresAt: options.expires === undefined ? null : parseExpiry(options.expires, now),
    revokedAt: null,
  };
  const store = openKeyStore(config);
  try {
    await store.keys.create(record);
  } finally {
    await store.close();
  }
  if (options.json) {
    io.out(JSON.stringify({ key: generated.key, ...describe(record) }));
  } else {
    io.out(`Created key ${record.id} for app "${record.appId}".`);
    io.out(`Key (shown once, store it in your backend's secret store):\n\n  ${generated.key}\n`);
  }
  return generated.key;
}

const describe = (record: GatewayKeyRecord, now = Date.now()) => ({
  id: record.id,
  app: record.appId,
  label: record.label,
  models: record.models,
  createdAt: new Date(record.createdAt).toISOString(),
  expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
  // A revocation in the future is a rotation's grace period.
  status:
    record.revokedAt !== null && record.revokedAt <= now
      ? 'revoked'
      : record.expiresAt !== null && record.expiresAt <= now
        ? 'expired'
        : record.revokedAt !== null
          ? 'grace'
          : 'active',
  ...(record.revokedAt !== null &&
    record.revokedAt > now && { graceUntil: new Date(record.revokedAt).toISOString() }),
});

export async function listKeys(io: CliIO, config: BastionConfig, options: { app?: string; json?: boolean }) {
  const store = openKeyStore(config);
  try {
    const rows = (await store.keys.list(options.app)).map((record) => describe(record));
    if (options.json) {
      io.out(JSON.stringify(rows));
      return;
    }
    if (rows.length === 0) {
      io.out('No keys. Create one with `bastion keys create --app APP`.');
      return;
    }
    const header = ['ID', 'APP', 'STATUS', 'MODELS', 'CREATED', 'EXPIRES', 'LABEL'];
    const table = rows.map((row) => [
      row.id,
      row.app,
      row.status,
      row.models?.join(',') ?? '(app)',
      row.createdAt.slice(0, 19),
      row.expiresAt?.slice(0, 19) ?? '-',
      row.label ?? '',
    ]);
    const widths = header.map((title, column) =>
      Math.max(title.length, ...table.map((row) => row[column]?.length ?? 0)),
    );
    for (const row of [header, ...table])
      io.out(
        row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd(),
      );
  } finally {
    await store.close();
  }
}

const keyIdOf = (id: string): string => /^bst_([0-9A-Za-z]{12})_/.exec(id)?.[1] ?? id;

export async function revokeKey(io: CliIO, config: BastionConfig, id: string): Promise<void> {
  const keyId = keyIdOf(id);
  const store = openKeyStore(config);
  try {
    const revoked = await store.keys.revoke(keyId, Date.now());
    if (!revoked) throw new CliError(`No key with id "${keyId}".`, EXIT.failure);
    io.out(`Revoked key ${keyId}. Running gateways stop accepting it within the key cache TTL (5 s).`);
  } finally {
    await store.close();
  }
}

export interface RotateKeyOptions {
  /** How long the old key keeps working, e.g. `24h` (default), `7d`, `90m`, or `0` for none. */
  readonly grace?: string;
  readonly json?: boolean;
}

export const DEFAULT_ROTATION_GRACE = '24h';
const GRACE_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Longest grace period: a rotation that leaves the old key alive for months is not a rotation. */
const MAX_GRACE_MS = 90 * 86_400_000;

const parseGrace = (value: string): number => {
  if (value.trim() === '0') return 0;
  const match = /^(\d{1,5})([mhd])$/.exec(value.trim());
  const ms = match ? Number(match[1]) * (GRACE_UNITS[match[2] as string] as number) : Number.NaN;
  if (!Number.isFinite(ms)) throw new CliError(`--grace: expected e.g. 24h, 7d, 90m or 0, got "${value}"`);
  if (ms > MAX_GRACE_MS) throw new CliError('--grace: at most 90d');
  return ms;
};

/**
 * Rotates a gateway key: issues a new key with the same app, models, label and expiry (printed
 * once), and schedules the old key's revocation at the end of the grace period. Until then the old
 * key still works, and every request made with it carries the `auth.rotated_key_grace` audit
 * trigger, so its remaining callers can be found. `keys revoke` ends the grace period early.
 */
export async function rotateKey(
  io: CliIO,
  config: BastionConfig,
  id: string,
  options: RotateKeyOptions = {},
): Promise<string> {
  const keyId = keyIdOf(id);
  const graceMs = parseGrace(options.grace ?? DEFAULT_ROTATION_GRACE);
  const now = Date.now();
  const store = openKeyStore(config);
  try {
    const old = await store.keys.get(keyId);
    if (old === undefined) throw new CliError(`No key with id "${keyId}".`, EXIT.failure);
    if (old.revokedAt !== null) {
      throw new CliError(
        old.revokedAt <= now
          ? `Key ${keyId} is revoked; create a new one with \`bastion keys create --app ${old.appId}\`.`
          : `Key ${keyId} was already rotated; it stops working at ${new Date(old.revokedAt).toISOString()}.`,
        EXIT.failure,
      );
    }
    if (old.expiresAt !== null && old.expiresAt <= now) {
      throw new CliError(
        `Key ${keyId} has expired; create a new one with \`bastion keys create --app ${old.appId}\`.`,
        EXIT.failure,
      );
    }
    if (config.apps[old.appId] === undefined)
      throw new CliError(`Key ${keyId} belongs to app "${old.appId}", which is no longer in the config.`);
    const generated = generateGatewayKey();
    const record: GatewayKeyRecord = {
      id: generated.id,
      appId: old.appId,
      hash: generated.hash,
      label: old.label,
      models: old.models,
      createdAt: now,
      expiresAt: old.expiresAt,
      revokedAt: null,
    };
    await store.keys.create(record);
    // The old key's revocation is scheduled, not immediate: that is the grace period.
    const graceUntil = now + graceMs;
    await store.keys.revoke(keyId, graceUntil);
    if (options.json) {
      io.out(
        JSON.stringify({
          key: generated.key,
          ...describe(record, now),
          replaces: keyId,
          oldKeyRevokedAt: new Date(graceUntil).toISOString(),
        }),
      );
    } else {
      io.out(`Rotated key ${keyId} -> ${record.id} for app "${record.appId}".`);
      io.out(`New key (shown once, store it in your backend's secret store):\n\n  ${generated.key}\n`);
      io.out(
        graceMs === 0
          ? `The old key ${keyId} is revoked now (no grace period).`
          : `The old key ${keyId} keeps working until ${new Date(graceUntil).toISOString()}; requests made with it are flagged auth.rotated_key_grace in the audit log. End it early with \`bastion keys revoke ${keyId}\`.`,
      );
    }
    return generated.key;
  } finally {
    await store.close();
  }
}
