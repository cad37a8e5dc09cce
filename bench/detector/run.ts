/**
 * Injection-detector benchmark (not a test): 5-fold cross-validation on the dev set (TPR at FPR <= 1%,
 * ROC-AUC) and latency / throughput of the committed model on 4 KB prompts.
 *
 *   node --import tsx bench/detector/run.ts            # CV + latency (~1 min)
 *   BENCH_SKIP_CV=1 node --import tsx bench/detector/run.ts
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { DEFAULT_DEV_SET, runCrossValidation } from '../../scripts/train-detector.js';
import { createInjectionDetector } from '../../src/detect/injection/index.js';
import { obfuscate } from '../../src/detect/injection/obfuscate.js';
import { readDevSet } from '../../src/detect/injection/train/pipeline.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5000);
const PROMPT_BYTES = 4096;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Builds distinct ~4 KB prompts by concatenating dev rows (so the text is realistic, not one repeated line). */
function fourKbPrompts(texts: readonly string[], count: number): string[] {
  const prompts: string[] = [];
  let cursor = 0;
  for (let i = 0; i < count; i++) {
    let prompt = '';
    while (Buffer.byteLength(prompt) < PROMPT_BYTES) prompt += `${texts[cursor++ % texts.length] ?? ''}\n`;
    prompts.push(Buffer.from(prompt).subarray(0, PROMPT_BYTES).toString('utf8'));
  }
  return prompts;
}

function measure(name: string, prompts: readonly string[]): void {
  const detector = createInjectionDetector();
  for (let i = 0; i < 500; i++) detector.score(prompts[i % prompts.length] ?? '');
  const times: number[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = process.hrtime.bigint();
    detector.score(prompts[i % prompts.length] ?? '');
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  times.sort((a, b) => a - b);
  console.log(
    `| ${name} | ${ITERATIONS} | ${percentile(times, 50).toFixed(3)} | ${percentile(times, 99).toFixed(3)} | ` +
      `${(times.at(-1) ?? 0).toFixed(2)} | ${Math.round(ITERATIONS / totalSeconds)} |`,
  );
}

interface UnseenRow {
  readonly text: string;
  readonly label: 'injection' | 'benign';
  readonly category: string;
  readonly lang: string;
}

/**
 * The committed model on bench/detector/unseen.jsonl: attacks and benign prompts written apart from the
 * training templates (other phrasings, 20 languages, obfuscations the views do and do not undo).
 */
function unseenFigures(): void {
  const rows = readFileSync(new URL('./unseen.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as UnseenRow);
  const detector = createInjectionDetector();
  const groups = new Map<string, { flagged: number; total: number }>();
  for (const row of rows) {
    const flagged = detector.score(row.text).score >= detector.threshold;
    const family = row.category.startsWith('obf-') ? 'obfuscated' : row.category;
    for (const key of [
      row.label,
      `${row.label}: ${family}`,
      ...(row.lang === 'en' ? [] : [`${row.label}: non-English`]),
    ]) {
      const group = groups.get(key) ?? { flagged: 0, total: 0 };
      group.flagged += flagged ? 1 : 0;
      group.total += 1;
      groups.set(key, group);
    }
  }
  const rate = (key: string): string => {
    const group = groups.get(key) ?? { flagged: 0, total: 0 };
    return `${((100 * group.flagged) / Math.max(1, group.total)).toFixed(1)}% (${group.flagged}/${group.total})`;
  };
  console.log(`unseen set (bench/detector/unseen.jsonl): TPR ${rate('injection')}, FPR ${rate('benign')}`);
  console.log('| group | flagged |\n| --- | ---: |');
  for (const key of [...groups.keys()].filter((key) => key.includes(': ')).sort())
    console.log(`| ${key} | ${rate(key)} |`);
  console.log('');
}

function main(): void {
  const rows = readDevSet(DEFAULT_DEV_SET);
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}\n`);
  if (process.env.BENCH_SKIP_CV !== '1') {
    const started = performance.now();
    const cv = runCrossValidation(rows, 5);
    console.log(
      `5-fold CV on ${rows.length} dev rows (${((performance.now() - started) / 1000).toFixed(1)} s): ` +
        `TPR ${(cv.tprAtFpr1 * 100).toFixed(1)}% at FPR ${(cv.fpr * 100).toFixed(2)}% (limit 1%), ` +
        `ROC-AUC ${cv.rocAuc.toFixed(4)}\n`,
    );
  }
  unseenFigures();
  const benign = rows.filter((row) => row.label === 0).map((row) => row.text);
  const attacks = rows.filter((row) => row.label === 1).map((row) => row.text);
  console.log('| 4 KB prompts | calls | p50 ms | p99 ms | max ms | calls/s |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  measure('benign text', fourKbPrompts(benign, 64));
  measure('attack text', fourKbPrompts(attacks, 64));
  measure(
    'benign + leetspeak/digits',
    fourKbPrompts(
      benign.map((text) => obfuscate(text, 'leet')),
      64,
    ),
  );
  measure('base64 blob', fourKbPrompts([obfuscate(benign.join(' '), 'base64')], 64));
}

main();
