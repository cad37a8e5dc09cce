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

const describe = (record: GatewayKeyRecord) => ({
  id: record.id,
  app: record.appId,
  label: record.label,
  models: record.models,
  createdAt: new Date(record.createdAt).toISOString(),
  expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
  status:
    record.revokedAt !== null
      ? 'revoked'
      : record.expiresAt !== null && record.expiresAt <= Date.now()
        ? 'expired'
        : 'active',
});

export async function listKeys(io: CliIO, config: BastionConfig, options: { app?: string; json?: boolean }) {
  const store = openKeyStore(config);
  try {
    const rows = (await store.keys.list(options.app)).map(describe);
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

export async function revokeKey(io: CliIO, config: BastionConfig, id: string): Promise<void> {
  const keyId = /^bst_([0-9A-Za-z]{12})_/.exec(id)?.[1] ?? id;
  const store = openKeyStore(config);
  try {
    const revoked = await store.keys.revoke(keyId, Date.now());
    if (!revoked) throw new CliError(`No key with id "${keyId}".`, EXIT.failure);
    io.out(`Revoked key ${keyId}. Running gateways stop accepting it within the key cache TTL (5 s).`);
  } finally {
    await store.close();
  }
}
