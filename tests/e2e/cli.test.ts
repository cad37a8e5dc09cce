/**
 * The real `bastion` CLI, spawned as a user would run it (node + tsx on src/cli/bin.ts) in a temp
 * working directory: init -> keys -> serve --config, usage and config errors, and demo mode.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider } from '../../src/fake/index.js';
import type { FakeProvider } from '../../src/fake/index.js';
import { ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY, PSEUDONYM_TEST_KEY } from '../helpers/gateway.js';
import { findLeaks } from '../helpers/security.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(ROOT, 'src/cli/bin.ts');
// Absolute loader URL: the child's cwd is a temp dir where `tsx` would not resolve.
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const GATEWAY_KEY = /bst_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}/g;

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Running {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stderr. */
  waitForStderr(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  exited: Promise<Finished>;
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];

afterEach(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'bastion-cli-'));
  dirs.push(dir);
  return dir;
};

/** A clean environment: nothing from the developer's shell (no provider keys) leaks in. */
const baseEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '',
  HOME: tmpdir(),
  ...extra,
});

function start(args: string[], cwd: string, env: NodeJS.ProcessEnv = baseEnv()): Running {
  const child = spawn(process.execPath, ['--import', TSX, BIN, ...args], { cwd, env, stdio: 'pipe' });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<Finished>((done) =>
    child.once('close', (code, signal) => done({ code, signal, stdout, stderr })),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForStderr(pattern, timeoutMs) {
      return new Promise((done, fail) => {
        const timer = setTimeout(() => {
          child.stderr?.off('data', check);
          fail(new Error(`no ${pattern} on stderr within ${timeoutMs} ms; got:\n${stderr}`));
        }, timeoutMs);
        const check = (): void => {
          const match = pattern.exec(stderr);
          if (!match) return;
          clearTimeout(timer);
          child.stderr?.off('data', check);
          done(match);
        };
        child.stderr?.on('data', check);
        void exited.then(() => check());
        check();
      });
    },
  };
}

/** Runs a command to completion, killing it after `timeoutMs`. */
async function run(
  args: string[],
  cwd: string,
  env?: NodeJS.ProcessEnv,
  timeoutMs = 15_000,
): Promise<Finished> {
  const running = start(args, cwd, env);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
  const finished = await running.exited;
  clearTimeout(timer);
  return finished;
}

/** Sends SIGTERM and returns how it ended and how long it took. */
async function terminate(running: Running): Promise<{ finished: Finished; ms: number }> {
  const started = Date.now();
  running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 5_000);
  const finished = await running.exited;
  clearTimeout(timer);
  return { finished, ms: Date.now() - started };
}

const chat = (url: string, key: string): Promise<Response> =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] }),
  });

describe('bastion init -> keys -> serve --config', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider({ keys: [OPENAI_TEST_KEY, ANTHROPIC_TEST_KEY] });
  });
  afterAll(() => fake?.close());

  it('init writes a config that serve accepts; keys are printed once, listed without secrets, revocable', async () => {
    const cwd = tempDir();
    const init = await run(['init'], cwd);
    expect(init.code, init.stderr).toBe(0);
    const file = join(cwd, 'bastion.yaml');
    const template = readFileSync(file, 'utf8');
    expect(template).toContain('env:OPENAI_API_KEY');
    expect(findLeaks(template, { OPENAI_TEST_KEY, ANTHROPIC_TEST_KEY })).toEqual([]);
    // Point the providers at the local fake and listen on an ephemeral port; nothing else changes.
    const edited = template
      .replace('https://api.openai.com/v1', `${fake.url}/v1`)
      .replace('https://api.anthropic.com', fake.url)
      .replace('port: 8080', 'port: 0');
    expect(edited).not.toBe(template);
    writeFileSync(file, edited);

    // Independent commands run side by side to keep the suite fast.
    const [again, created] = await Promise.all([
      run(['init'], cwd),
      run(['keys', 'create', '--app', 'default', '--config', 'bastion.yaml'], cwd),
    ]);
    // A second init refuses to overwrite.
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists.*--force/);
    expect(created.code, created.stderr).toBe(0);
    const printed = created.stdout.match(GATEWAY_KEY) ?? [];
    expect(printed).toHaveLength(1);
    const key = printed[0] as string;
    const keyId = key.slice(4, 16);

    const env = baseEnv({
      OPENAI_API_KEY: OPENAI_TEST_KEY,
      ANTHROPIC_API_KEY: ANTHROPIC_TEST_KEY,
      BASTION_PSEUDONYM_KEY: PSEUDONYM_TEST_KEY,
    });
    const server = start(['serve', '--config', 'bastion.yaml'], cwd, env);
    const listed = await run(['keys', 'list', '--config', 'bastion.yaml'], cwd);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(keyId);
    expect(listed.stdout).toMatch(/active/);
    expect(listed.stdout).not.toContain(key.slice(17));
    expect(listed.stdout).not.toMatch(GATEWAY_KEY);

    const [, url] = await server.waitForStderr(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 15_000);
    const reply = await chat(url as string, key);
    expect(reply.status).toBe(200);
    expect(((await reply.json()) as { object?: string }).object).toBe('chat.completion');
    expect(fake.received.at(-1)?.headers.authorization).toBe(`Bearer ${OPENAI_TEST_KEY}`);
    const { finished, ms } = await terminate(server);
    expect(finished.code).toBe(0);
    expect(ms).toBeLessThan(3_000);
    // Its audit line went to stdout; neither stream carries a provider key or the client key.
    expect(finished.stdout).toContain('"decision":"allowed"');
    expect(
      findLeaks(finished.stdout + finished.stderr, {
        OPENAI_TEST_KEY,
        ANTHROPIC_TEST_KEY,
        PSEUDONYM_TEST_KEY,
        // The id part of a gateway key is public (it is in every audit line); the secret part is not.
        gatewayKeySecret: key.slice(17),
      }),
    ).toEqual([]);

    const [revoked, unknown] = await Promise.all([
      run(['keys', 'revoke', keyId, '--config', 'bastion.yaml'], cwd),
      run(['keys', 'revoke', 'AAAAAAAAAAAA', '--config', 'bastion.yaml'], cwd),
    ]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No key with id');
    const after = await run(['keys', 'list', '--config', 'bastion.yaml', '--json'], cwd);
    expect(after.code).toBe(0);
    const rows = JSON.parse(after.stdout) as Array<{ id: string; status: string }>;
    expect(rows).toEqual([expect.objectContaining({ id: keyId, status: 'revoked' })]);
    expect(after.stdout).not.toMatch(GATEWAY_KEY);
  }, 40_000);
});

describe('usage and configuration errors exit 2 with a helpful message', () => {
  it('an unknown command, a missing required option, an invalid config', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'bad.yaml'),
      'environment: production\nproviders:\n  openai:\n    keys: []\napps:\n  default:\n    models: [gpt-4o-mini]\n    maxOutputTokens: -5\n',
    );
    const [unknown, missing, invalid, missingFile] = await Promise.all([
      run(['launch-missiles'], cwd),
      run(['keys', 'create'], cwd),
      run(['serve', '--config', 'bad.yaml'], cwd),
      run(['keys', 'list', '--config', 'nope.yaml'], cwd),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'launch-missiles'/);
    expect(unknown.stderr).toMatch(/--help/);

    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option.*--app/);

    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('bad.yaml');
    expect(invalid.stderr).toContain('providers.openai.keys');
    expect(invalid.stderr).toContain('apps.default.maxOutputTokens');
    expect(invalid.stderr).toContain('audit.pseudonymKey');

    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain('nope.yaml');
  }, 30_000);
});

describe('demo mode', () => {
  it('serve with no config and no provider env prints a banner with a key that works, and exits 0 on SIGTERM', async () => {
    const cwd = tempDir();
    const server = start(['serve', '--port', '0'], cwd);
    await server.waitForStderr(/Client key[^\n]*bst_/, 15_000);
    const banner = server.stderr();
    expect(banner).toMatch(/DEMO MODE/);
    expect(banner).toMatch(/FAKE provider/);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
    const key = banner.match(GATEWAY_KEY)?.[0];
    expect(url).toBeDefined();
    expect(key).toBeDefined();

    const reply = await chat(url as string, key as string);
    expect(reply.status).toBe(200);
    const body = (await reply.json()) as { choices?: Array<{ message?: { content?: string } }> };
    expect(body.choices?.[0]?.message?.content).toBeTruthy();
    // Wrong key against the same URL is refused: the printed key is what grants access.
    expect((await chat(url as string, `bst_000000000000_${'a'.repeat(43)}`)).status).toBe(401);

    const { finished, ms } = await terminate(server);
    expect(finished.code).toBe(0);
    expect(ms).toBeLessThan(3_000);
  }, 30_000);
});
