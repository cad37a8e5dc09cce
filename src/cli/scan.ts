import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import {
  EMPTY_IGNORE,
  formatReport,
  loadIgnoreFile,
  mergeIgnore,
  REPORT_FORMATS,
  scanPaths,
} from '../detect/secrets/index.js';
import type { IgnoreRules, ReportFormat } from '../detect/secrets/index.js';
import { CliError, EXIT } from './exit-codes.js';
import type { CliIO } from './io.js';

export const DEFAULT_IGNORE_FILE = '.bastionscanignore';
const TOOL_VERSION = '0.1.0';

export interface ScanCommandOptions {
  readonly format?: ReportFormat;
  readonly ignoreFile?: string;
  readonly includeNodeModules?: boolean;
  /** commander's `--no-secretlint` sets this to false. */
  readonly secretlint?: boolean;
}

/**
 * The ignore rules: `--ignore-file` when given (it must exist), otherwise `.bastionscanignore` in the
 * working directory and at the top of every folder being scanned, when present.
 */
function loadIgnore(io: CliIO, paths: readonly string[], ignoreFile: string | undefined): IgnoreRules {
  if (ignoreFile !== undefined) {
    const file = resolve(io.cwd, ignoreFile);
    if (!existsSync(file)) throw new CliError(`ignore file ${ignoreFile} does not exist`);
    return loadIgnoreFile(file);
  }
  const roots = [io.cwd, ...paths.map((path) => resolve(io.cwd, path))].filter(
    (root) => existsSync(root) && statSync(root).isDirectory(),
  );
  const files = [...new Set(roots.map((root) => resolve(root, DEFAULT_IGNORE_FILE)))].filter((file) =>
    existsSync(file),
  );
  return files.length === 0 ? EMPTY_IGNORE : mergeIgnore(...files.map(loadIgnoreFile));
}

/**
 * Runs a scan and prints the report. Resolves with the exit code: 0 clean, 1 findings, 2 usage error
 * (a missing path or ignore file). Exported for tests; the command wraps it.
 */
export async function runScan(
  io: CliIO,
  paths: readonly string[],
  options: ScanCommandOptions,
): Promise<number> {
  const format = options.format ?? 'human';
  for (const path of paths) {
    if (!existsSync(resolve(io.cwd, path))) {
      io.err(`bastion: ${path} does not exist`);
      return EXIT.usage;
    }
  }
  let ignore: IgnoreRules;
  try {
    ignore = loadIgnore(io, paths, options.ignoreFile);
  } catch (error) {
    io.err(`bastion: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.usage;
  }
  const started = performance.now();
  const result = await scanPaths({
    paths,
    cwd: io.cwd,
    ignore,
    includeNodeModules: options.includeNodeModules ?? false,
    secretlint: options.secretlint ?? true,
  });
  for (const warning of result.warnings) io.err(`bastion scan: warning: ${warning}`);
  const report = formatReport(format, result.findings, TOOL_VERSION);
  if (format !== 'human' || report !== '') io.out(report);
  if (format === 'human') {
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    io.err(
      `bastion scan: ${result.findings.length} finding(s), ${result.ignored} ignored, ` +
        `${result.filesScanned} file(s), ${(result.bytesScanned / 1e6).toFixed(1)} MB in ${seconds} s`,
    );
  }
  return result.findings.length > 0 ? EXIT.failure : EXIT.ok;
}

/** `bastion scan PATH...`; main.ts registers it with one line. */
export function registerScanCommand(program: Command, io: CliIO): void {
  program
    .command('scan')
    .description(
      'find provider keys and other credentials in files, bundles, source maps, logs and image tarballs',
    )
    .argument('<paths...>', 'files or folders (docker save tarballs included)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(REPORT_FORMATS).default('human'))
    .option('--ignore-file <file>', `accepted findings (default: ${DEFAULT_IGNORE_FILE} at the scan root)`)
    .option('--include-node-modules', 'descend into node_modules folders')
    .option('--no-secretlint', "skip secretlint's recommended rules (own rules only)")
    .action(async (paths: string[], options: ScanCommandOptions) => {
      const code = await runScan(io, paths, options);
      // main() turns a CliError into its exit code; its message is the one-line summary.
      if (code === EXIT.failure) throw new CliError('secrets found', EXIT.failure);
      if (code !== EXIT.ok) throw new CliError('scan failed', code);
    });
}
