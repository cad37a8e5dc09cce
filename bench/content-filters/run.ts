/**
 * CPU cost of the app content filters (src/detect/content-filters): a request screen over a 4 KB prompt
 * and a 4 KB streamed response in 4-character deltas, with both built-in profiles, 50 keywords and
 * 3 regexes (a heavier set than most apps configure). Moderation itself is a network call and is
 * not measured here. Run: node --import tsx bench/content-filters/run.ts   (env BENCH_ITERATIONS, 2000)
 */
import type { FilterPolicy } from '../../src/core/policy.js';
import { compileFilters } from '../../src/detect/content-filters/compile.js';
import { FilterScanner } from '../../src/detect/content-filters/scanner.js';
import { filterView } from '../../src/detect/content-filters/view.js';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 2_000);
const policy: FilterPolicy = {
  keywords: Array.from({ length: 50 }, (_, i) => `forbiddenword${i}`),
  regexes: [
    { id: 'ticket', pattern: 'TCK-\\d{4,8}', flags: '' },
    { id: 'project', pattern: 'project\\s+(?:aurora|zephyr)', flags: 'i' },
    { id: 'card-ish', pattern: '\\b\\d{4}[ -]\\d{4}[ -]\\d{4}[ -]\\d{4}\\b', flags: '' },
  ],
  profiles: [
    { name: 'children', keywords: [], regexes: [] },
    { name: 'workplace', keywords: [], regexes: [] },
  ],
  applyTo: 'both',
};
const filters = compileFilters(policy);

const sentence = 'The quarterly report covers revenue, costs and the hiring plan for the next two teams. ';
const ascii = sentence.repeat(Math.ceil(4096 / sentence.length)).slice(0, 4096);
const mixed =
  `${'Le rapport trimestriel couvre les revenus — ünd Kosten — 成本与招聘计划。 '.repeat(80)}`.slice(0, 4096);

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

function time(label: string, run: () => void): void {
  for (let i = 0; i < 200; i++) run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  console.log(
    `| ${label} | ${mean.toFixed(3)} | ${percentile(samples, 50).toFixed(3)} | ${percentile(samples, 99).toFixed(3)} |`,
  );
}

function streamOnce(text: string): void {
  const scanner = new FilterScanner(filters);
  for (let i = 0; i < text.length; i += 4) {
    const step = scanner.push(text.slice(i, i + 4));
    if ('hit' in step) throw new Error('unexpected hit');
  }
  if ('hit' in scanner.end()) throw new Error('unexpected hit');
}

console.log(
  `rules: ${filters.rules.length}, hold: ${filters.hold} view characters, iterations: ${iterations}`,
);
console.log('| case (4 KB) | mean ms | p50 ms | p99 ms |\n| --- | --- | --- | --- |');
time('request screen, ASCII', () => filters.firstMatch(filterView(ascii), 0, true));
time('request screen, mixed scripts', () => filters.firstMatch(filterView(mixed), 0, true));
time('stream, ASCII, 4-char deltas', () => streamOnce(ascii));
time('stream, mixed scripts, 4-char deltas', () => streamOnce(mixed));
