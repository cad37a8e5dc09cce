/**
 * Bench fake provider in its own process: `node --import tsx bench/gateway/fake.ts <latencyMs>`.
 * Prints `READY <url>` on stdout, then serves until SIGTERM/SIGINT or its parent goes away.
 */
import { startFakeProvider } from '../../src/fake/index.js';

const latencyMs = Number(process.argv[2] ?? '0');
if (!Number.isInteger(latencyMs) || latencyMs < 0)
  throw new Error('latencyMs must be a non-negative integer');

// `record: false`: the fake must not grow memory with every request during a benchmark.
const fake = await startFakeProvider({ port: 0, latencyMs, record: false });
process.stdout.write(`READY ${fake.url}\n`);

const stop = (): void => {
  void fake.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Bounded: never outlive the runner (stdin closes when the parent dies).
process.stdin.on('end', stop).resume();
