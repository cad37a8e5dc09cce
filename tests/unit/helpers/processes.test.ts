import { execFileSync } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, runCli, startPrivateRedis } from '../../helpers/processes.js';

const hasRedisServer = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasRedisServer) console.warn('[skip] private redis-server helper test: redis-server is not installed');

/** Resolves true when something accepts a TCP connection on the port. */
const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('test process helpers', () => {
  it('freePort returns a port that can be bound again', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('runCli reports the exit code and output of a CLI command', async () => {
    const result = await runCli(['keys', 'create', '--app', 'x', '--config', '/nonexistent/bastion.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Config file not found');
  }, 20_000);

  it.skipIf(!hasRedisServer)(
    'a private redis-server can be killed and started again on its port',
    async () => {
      const redis = await startPrivateRedis();
      try {
        expect(await accepts(redis.port)).toBe(true);
        await redis.kill();
        expect(await accepts(redis.port)).toBe(false);
        await redis.start();
        expect(await accepts(redis.port)).toBe(true);
      } finally {
        await redis.stop();
      }
      expect(await accepts(redis.port)).toBe(false);
    },
    20_000,
  );
});
