import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfigFile } from '../config/load.js';
import type { BastionConfig } from '../config/schema.js';
import { CliError, EXIT } from './exit-codes.js';
import type { CliIO } from './io.js';

export const DEFAULT_CONFIG_FILE = 'bastion.yaml';

/** Loads --config, or ./bastion.yaml when present; config errors become usage errors with paths. */
export async function loadCliConfig(io: CliIO, path: string | undefined): Promise<BastionConfig> {
  const file = resolve(io.cwd, path ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    throw new CliError(
      path === undefined
        ? `No ${DEFAULT_CONFIG_FILE} here. Pass --config FILE, or create one with \`bastion init\`.`
        : `Config file not found: ${file}`,
      EXIT.usage,
    );
  }
  try {
    return await loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

export const hasConfigFile = (io: CliIO, path: string | undefined): boolean =>
  existsSync(resolve(io.cwd, path ?? DEFAULT_CONFIG_FILE));
