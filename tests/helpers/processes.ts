/**
 * Test harness for real Bastion processes: spawns `bastion serve --config FILE` (the CLI, via tsx) with
 * a temp config, runs one-shot CLI commands, and runs a private redis-server that a test may stop and
 * restart. Every wait is bounded; every child is killed by its own pid in stop().
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

/** The project root (tests/helpers/../..), where `src/cli/bin.ts` lives. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'bin.ts')];

/** A free TCP port on 127.0.0.1 (bound then released; good enough for a test's own child). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Captured output of a child plus a bounded wait for a pattern in it. */
class Output {
  private text = '';
  private readonly waiters = new Set<() => void>();
  append(chunk: Buffer): void {
    this.text += chunk.toString('utf8');
    for (const wake of this.waiters) wake();
  }
  get value(): string {
    return this.text;
  }
  waitFor(
    pattern: RegExp,
    timeoutMs: number,
    what: string,
    exited?: Promise<unknown>,
    fromOffset = 0,
  ): Promise<RegExpMatchArray> {
    return new Promise((resolveMatch, reject) => {
      const check = (): boolean => {
        const match = this.text.slice(fromOffset).match(pattern);
        if (!match) return false;
        cleanup();
        resolveMatch(match);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${what}; output so far:\n${this.text}`),
        );
      }, timeoutMs);
      const wake = (): void => void check();
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      this.waiters.add(wake);
      void exited?.then(() => {
        if (check()) return;
        cleanup();
        reject(new Error(`process exited while waiting for ${what}; output:\n${this.text}`));
      });
      check();
    });
  }
}

/** Resolves with the exit code (or signal name) when the child ends. */
const exitOf = (child: ChildProcess): Promise<number | string> =>
  new Promise((resolveExit) => {
    if (child.exitCode !== null) resolveExit(child.exitCode);
    else child.once('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown'));
  });

/** Sends SIGTERM, then SIGKILL if the child is still there after `graceMs`. */
async function terminate(child: ChildProcess, exited: Promise<unknown>, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface SpawnedGateway {
  readonly url: string;
  readonly configFile: string;
  /** Operational log (pino JSON lines) so far. */
  stdout(): string;
  stderr(): string;
  /** Waits until `pattern` appears in stdout (e.g. an alert line), optionally only after `fromOffset` chars. */
  waitForStdout(pattern: RegExp, timeoutMs: number, fromOffset?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export interface SpawnGatewayOptions {
  /** The config, as an object (written as YAML) or as YAML text. */
  readonly config: Record<string, unknown> | string;
  /** Environment for secret references; merged over a minimal PATH/HOME environment. */
  readonly env?: Record<string, string>;
  readonly startupTimeoutMs?: number;
}

const baseEnv = (): Record<string, string> => ({
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: process.env['HOME'] ?? tmpdir(),
  NODE_ENV: 'test',
});

/** Writes the config to a temp file and returns its path and a cleanup. */
export function writeTempConfig(config: Record<string, unknown> | string): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bastion-it-config-'));
  const file = join(dir, 'bastion.yaml');
  writeFileSync(file, typeof config === 'string' ? config : stringify(config), { mode: 0o600 });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `bastion serve --config FILE` and waits for its "listening on <url>" line on stderr. */
export async function spawnGateway(options: SpawnGatewayOptions): Promise<SpawnedGateway> {
  const config = writeTempConfig(options.config);
  const child = spawn(process.execPath, [...CLI, 'serve', '--config', config.file], {
    cwd: PROJECT_ROOT,
    env: { ...baseEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = new Output();
  const stderr = new Output();
  child.stdout?.on('data', (chunk: Buffer) => stdout.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.append(chunk));
  const exited = exitOf(child);
  const stop = async (): Promise<void> => {
    await terminate(child, exited);
    config.remove();
  };
  try {
    const match = await stderr.waitFor(
      /listening on (http:\/\/\S+)/,
      options.startupTimeoutMs ?? 20_000,
      'the "listening on" line',
      exited,
    );
    return {
      url: (match[1] ?? '').replace(/\/+$/, ''),
      configFile: config.file,
      stdout: () => stdout.value,
      stderr: () => stderr.value,
      waitForStdout: (pattern, timeoutMs, fromOffset) =>
        stdout.waitFor(pattern, timeoutMs, `${pattern}`, exited, fromOffset),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface CliResult {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one CLI command to completion (killed after `timeoutMs`). */
export async function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<CliResult> {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = new Output();
  const stderr = new Output();
  child.stdout?.on('data', (chunk: Buffer) => stdout.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.append(chunk));
  const exited = exitOf(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return { code, stdout: stdout.value, stderr: stderr.value };
}

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: an outage, not a shutdown). */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of the test's own on a free port, never the machine's shared one. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const start = async (): Promise<void> => {
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = server;
    exited = exitOf(server);
    const out = new Output();
    server.stdout?.on('data', (chunk: Buffer) => out.append(chunk));
    server.stderr?.on('data', (chunk: Buffer) => out.append(chunk));
    await out.waitFor(/Ready to accept connections/, 10_000, 'redis-server to be ready', exited);
  };
  const kill = async (): Promise<void> => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, kill, start, stop: kill };
}
