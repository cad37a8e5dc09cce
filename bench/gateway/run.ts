/**
 * Gateway benchmark runner (`npm run bench`). Compiles Bastion to plain JS, then for each upstream
 * latency starts the fake provider in its own process and measures, cell by cell, the direct path and
 * each target in BENCH_TARGETS (own process each) with autocannon from this process. Loopback only,
 * bounded by BENCH_DURATION; writes bench/results/<timestamp>.json and prints markdown tables.
 *
 * Env: BENCH_DURATION (s per cell, default 5), BENCH_WARMUP (s, default 1), BENCH_TTFT_COUNT (100),
 * BENCH_LATENCIES ("0,50"), BENCH_TARGETS ("bastion"; add "portkey" with PORTKEY_DIR set),
 * BENCH_PROFILE=1 (Bastion runs with --cpu-prof into node_modules/.cache/bastion-bench-profiles/), BENCH_SKIP_BUILD=1
 * (reuse the last compile).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureTtft, runLoad } from './load.js';
import { peakRssMb, processCpuMs, startService } from './processes.js';
import { bastionChecks, peerTable, targetTable } from './report.js';
import type { Cell, CellMeasurement, TargetRun } from './report.js';
import type { TtftResult } from './load.js';
import { startTarget } from './targets.js';
import type { RunningTarget, TargetName } from './targets.js';
import { chatBody } from './workload.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUILD_DIR = join(ROOT, 'node_modules/.cache/bastion-bench');
const RESULTS_DIR = join(ROOT, 'bench/results');

const numberEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
};
const DURATION = numberEnv('BENCH_DURATION', 5);
const WARMUP = numberEnv('BENCH_WARMUP', 1);
const TTFT_COUNT = numberEnv('BENCH_TTFT_COUNT', 100);
const LATENCIES = (process.env.BENCH_LATENCIES ?? '0,50').split(',').map(Number);
const TARGETS = (process.env.BENCH_TARGETS ?? 'bastion').split(',') as TargetName[];
const PROFILE = process.env.BENCH_PROFILE === '1';

const CELLS: readonly Cell[] = [
  { label: 'c1', stream: false, connections: 1 },
  { label: 'c16', stream: false, connections: 16 },
  { label: 'c64', stream: false, connections: 64 },
  { label: 'stream c16', stream: true, connections: 16 },
];

const log = (message: string): void => void process.stderr.write(`${message}\n`);

async function measureTarget(target: RunningTarget, latencyMs: number): Promise<TargetRun> {
  const cells: CellMeasurement[] = [];
  const idleRssMb = peakRssMb(target.pid, 'VmRSS');
  // A longer first warm-up lets the JIT settle and the connection pools fill.
  await runLoad(target.endpoint, chatBody(false), 16, Math.max(WARMUP, 2));
  for (const cell of CELLS) {
    const body = chatBody(cell.stream);
    if (WARMUP > 0) await runLoad(target.endpoint, body, cell.connections, WARMUP);
    const cpuBefore = processCpuMs(target.pid);
    const result = await runLoad(target.endpoint, body, cell.connections, DURATION);
    const cpuMs = processCpuMs(target.pid) - cpuBefore;
    const measured = {
      ...result,
      cell: cell.label,
      cpuUsPerRequest: (cpuMs * 1000) / Math.max(1, result.requests),
    };
    log(
      `  ${target.name.padEnd(7)} ${String(latencyMs).padStart(2)} ms ${cell.label.padEnd(10)} ` +
        `${measured.reqPerSec.toFixed(0)} req/s p50 ${measured.p50Ms.toFixed(2)} ms ` +
        `p99 ${measured.p99Ms.toFixed(2)} ms cpu ${measured.cpuUsPerRequest.toFixed(0)} µs/req ` +
        `errors ${measured.errors} non2xx ${measured.non2xx}`,
    );
    cells.push(measured);
  }
  let ttft: TtftResult;
  try {
    await measureTtft(target.endpoint, chatBody(true), 10);
    ttft = await measureTtft(target.endpoint, chatBody(true), TTFT_COUNT);
  } catch (error) {
    // A target that cannot stream is reported as such (n/a), not allowed to abort the matrix.
    log(`  ${target.name} TTFT failed: ${(error as Error).message}`);
    ttft = { samples: 0, p50Ms: Number.NaN, p99Ms: Number.NaN };
  }
  log(`  ${target.name.padEnd(7)} ${String(latencyMs).padStart(2)} ms TTFT p50 ${ttft.p50Ms.toFixed(2)} ms`);
  return {
    target: target.name,
    upstreamLatencyMs: latencyMs,
    cells,
    ttft,
    idleRssMb,
    peakRssMb: peakRssMb(target.pid),
  };
}

async function main(): Promise<void> {
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    log('compiling bench + src to plain JS (tsc -p bench/tsconfig.json)...');
    execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(ROOT, 'bench/tsconfig.json')], {
      stdio: 'inherit',
    });
    // Runtime data (price table, detector weights) is read relative to the compiled modules.
    cpSync(join(ROOT, 'data'), join(BUILD_DIR, 'data'), { recursive: true });
  }
  // Profiles are large; kept out of the work tree (bench/results/ only ignores *.json).
  const profileDir = join(ROOT, 'node_modules/.cache/bastion-bench-profiles');
  if (PROFILE) mkdirSync(profileDir, { recursive: true });

  const runs: TargetRun[] = [];
  const started = Date.now();
  for (const latencyMs of LATENCIES) {
    const fake = await startService(process.execPath, [
      join(BUILD_DIR, 'bench/gateway/fake.js'),
      String(latencyMs),
    ]);
    const fakeUrl = fake.ready[0]!;
    try {
      for (const name of ['direct', ...TARGETS] as TargetName[]) {
        const target = await startTarget(name, {
          buildDir: BUILD_DIR,
          fake,
          fakeUrl,
          bastionNodeFlags: [
            ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
            ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
          ],
          portkeyDir: process.env.PORTKEY_DIR,
        });
        try {
          runs.push(await measureTarget(target, latencyMs));
        } finally {
          await target.stop();
        }
      }
    } finally {
      await fake.stop();
    }
  }

  const machine = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    durationSeconds: DURATION,
    warmupSeconds: WARMUP,
    ttftCount: TTFT_COUNT,
    wallSeconds: Math.round((Date.now() - started) / 1000),
    // Other work on this 2-core machine skews every figure: record how busy it was.
    loadAverageAtEnd: loadavg().map((value) => Number(value.toFixed(2))),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${machine.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ machine, runs }, null, 2)}\n`);

  const sections = [
    `Machine: ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}, ${machine.date}; ` +
      `${DURATION} s per cell after ${WARMUP} s warm-up; wall time ${machine.wallSeconds} s; ` +
      `load average at end ${machine.loadAverageAtEnd.join(' / ')}.`,
    ...TARGETS.map((target) => targetTable(runs, target)),
    peerTable(runs),
    TARGETS.includes('bastion') ? bastionChecks(runs) : undefined,
    `Raw results: ${file}`,
    PROFILE ? `CPU profiles: ${profileDir} (summarise with bench/gateway/profile-summary.ts)` : undefined,
  ];
  process.stdout.write(`${sections.filter((section) => section !== undefined).join('\n\n')}\n`);
}

await main();
// Children are stopped; autocannon or undici may hold timers a moment longer.
process.exit(0);
