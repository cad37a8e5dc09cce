import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { initTemplate } from '../config/init-template.js';
import { ConfigError } from '../config/load.js';
import { SecretError } from '../app.js';
import { startFakeProvider } from '../fake/index.js';
import { loadCliConfig } from './config-file.js';
import { CliError, EXIT } from './exit-codes.js';
import { processIO } from './io.js';
import type { CliIO } from './io.js';
import { createKey, DEFAULT_ROTATION_GRACE, listKeys, revokeKey, rotateKey } from './keys.js';
import { registerDetectCommand } from './detect.js';
import { registerScanCommand } from './scan.js';
import { serve } from './serve.js';
import { defaultOpenLedgerStore, usageReport } from './usage.js';
import type { OpenLedgerStore, UsageOptions } from './usage.js';

const port = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new InvalidArgumentError('expected a port 0-65535');
  return parsed;
};
const nonNegative = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError('expected a number >= 0');
  return parsed;
};

/** Stops cleanly on SIGINT/SIGTERM: flushes the audit queue before exiting. */
function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (): void => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(EXIT.ok),
      () => process.exit(EXIT.failure),
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

/** Seams for tests; production uses the composition root (src/app.ts). */
export interface CliDeps {
  readonly openLedgerStore?: OpenLedgerStore;
}

export function buildProgram(io: CliIO, deps: CliDeps = {}): Command {
  const program = new Command('bastion')
    .description('Security gateway for the OpenAI and Anthropic APIs')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .showHelpAfterError('(run `bastion --help` for usage)');

  program
    .command('serve')
    .description(
      'run the gateway (demo mode against the fake provider when no config or provider key is set)',
    )
    .option('-c, --config <file>', 'config file (default: ./bastion.yaml if present)')
    .option('-p, --port <port>', 'override server.port', port)
    .action(async (options: { config?: string; port?: number }) => {
      const running = await serve(io, options);
      onShutdown(running.stop);
    });

  program
    .command('init')
    .description('write a commented config with secure defaults')
    .option('-o, --out <file>', 'where to write it', 'bastion.yaml')
    .option('-f, --force', 'overwrite an existing file')
    .action(async (options: { out: string; force?: boolean }) => {
      const file = resolve(io.cwd, options.out);
      if (existsSync(file) && !options.force)
        throw new CliError(`${file} exists; pass --force to overwrite it.`);
      await writeFile(file, initTemplate(), { mode: 0o600 });
      io.out(
        `Wrote ${file}. Set the secret references it names, then: bastion serve --config ${options.out}`,
      );
    });

  const keys = program.command('keys').description('manage gateway-issued client keys');
  keys
    .command('create')
    .description('issue a key for an app (printed once, stored hashed)')
    .requiredOption('-a, --app <app>', 'app (tenant) the key belongs to')
    .option('-m, --models <list>', 'comma-separated subset of the app allowlist')
    .option('-e, --expires <when>', 'e.g. 30d, 12h, 90m or an ISO date')
    .option('-l, --label <text>', 'a note for humans')
    .option('-c, --config <file>', 'config file (default: ./bastion.yaml)')
    .option('--json', 'print JSON')
    .action(
      async (options: {
        app: string;
        models?: string;
        expires?: string;
        label?: string;
        config?: string;
        json?: boolean;
      }) => {
        await createKey(io, await loadCliConfig(io, options.config), options);
      },
    );
  keys
    .command('list')
    .description('list keys (never the secret)')
    .option('-a, --app <app>', 'only this app')
    .option('-c, --config <file>', 'config file (default: ./bastion.yaml)')
    .option('--json', 'print JSON')
    .action(async (options: { app?: string; config?: string; json?: boolean }) => {
      await listKeys(io, await loadCliConfig(io, options.config), options);
    });
  keys
    .command('revoke')
    .description('revoke a key by id (or by the full key)')
    .argument('<id>', 'key id as shown by `keys list`')
    .option('-c, --config <file>', 'config file (default: ./bastion.yaml)')
    .action(async (id: string, options: { config?: string }) => {
      await revokeKey(io, await loadCliConfig(io, options.config), id);
    });
  keys
    .command('rotate')
    .description(
      'replace a key: a new key now, the old one keeps working (flagged in audit) for a grace period',
    )
    .argument('<id>', 'key id as shown by `keys list`')
    .option(
      '-g, --grace <duration>',
      'how long the old key keeps working: e.g. 24h, 7d, 90m or 0',
      DEFAULT_ROTATION_GRACE,
    )
    .option('-c, --config <file>', 'config file (default: ./bastion.yaml)')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { grace: string; config?: string; json?: boolean }) => {
      await rotateKey(io, await loadCliConfig(io, options.config), id, options);
    });

  program
    .command('usage')
    .description('spend, requests and tokens per app, key, user, model or environment for a period')
    .option('-c, --config <file>', 'config file (default: ./bastion.yaml)')
    .option('--month <YYYY-MM>', 'calendar month in budgets.timeZone (default: the current month)')
    .option('--from <iso>', 'start of the range (inclusive), with --to')
    .option('--to <iso>', 'end of the range (exclusive), with --from')
    .option('--by <fields>', 'comma-separated: app,key,user,model,environment', 'app')
    .option('--json', 'print JSON')
    .action(async (options: UsageOptions & { config?: string }) => {
      const config = await loadCliConfig(io, options.config);
      const open = deps.openLedgerStore ?? (await defaultOpenLedgerStore());
      await usageReport(io, config, options, open);
    });

  program
    .command('fake-provider')
    .description('run the fake OpenAI + Anthropic provider for offline development and tests')
    .option('-p, --port <port>', 'port to listen on', port, 4010)
    .option('--host <host>', 'interface', '127.0.0.1')
    .option('--latency-ms <ms>', 'added latency per response', nonNegative, 0)
    .action(async (options: { port: number; host: string; latencyMs: number }) => {
      const fake = await startFakeProvider({
        port: options.port,
        host: options.host,
        latencyMs: options.latencyMs,
        record: false,
      });
      io.err(`Fake provider on ${fake.url} (OpenAI base URL ${fake.url}/v1, Anthropic base URL ${fake.url})`);
      onShutdown(() => fake.close());
    });

  registerScanCommand(program, io);
  registerDetectCommand(program, io);
  return program;
}

export async function main(
  argv: readonly string[],
  io: CliIO = processIO,
  deps: CliDeps = {},
): Promise<number> {
  const program = buildProgram(io, deps);
  if (argv.length <= 2) {
    program.outputHelp();
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv as string[]);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.err(`bastion: ${error.message}`);
      return error.exitCode;
    }
    // Bad config or an unreadable secret is the operator's to fix, like a usage error.
    if (error instanceof ConfigError || error instanceof SecretError) {
      io.err(`bastion: ${error.message}`);
      return EXIT.usage;
    }
    io.err(`bastion: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failure;
  }
}
