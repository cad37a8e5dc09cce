/**
 * CPU cost of system-prompt protection (src/detect/leak, src/guards/system-prompt): the leak scan of
 * a 4 KB response streamed in 4-character deltas and as one JSON body, against a ~1 KB prompt with
 * the default 12-word overlap, plus the per-request work of the request guard (canary, prompt
 * tokens from the cache, body rewrite). Run: node --import tsx bench/leak/run.ts   (env BENCH_ITERATIONS, 2000)
 */
import type { SystemPromptPolicy } from '../../src/core/policy.js';
import { LeakScanner, LeakStream, indexSystemPrompt } from '../../src/detect/leak/index.js';
import { createSystemPromptGuard } from '../../src/guards/system-prompt/index.js';
import { newContext } from '../../src/pipeline/context.js';
import type { AppPolicy } from '../../src/core/policy.js';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 2_000);
const promptSentence =
  'You are the order assistant of Example Outdoor Gear; answer questions about orders, shipping, returns and product care. ';
const prompt = promptSentence.repeat(Math.ceil(1024 / promptSentence.length)).slice(0, 1024);
const policy: SystemPromptPolicy = {
  text: prompt,
  clientMessages: 'refuse',
  leak: { action: 'block', minOverlapWords: 12 },
};
const index = indexSystemPrompt(policy.text, policy.leak.minOverlapWords);
const canary = 'bst-cnry-k7q2mz4xw5ta3bv6hn2p';

const sentence = 'Your order 1234 shipped yesterday and should arrive on Friday; thanks for your patience. ';
const ascii = sentence.repeat(Math.ceil(4096 / sentence.length)).slice(0, 4096);
const mixed = `${'Le colis — ünd Kosten — 成本与招聘计划，周五到达。 '.repeat(120)}`.slice(0, 4096);

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

function stream(text: string): void {
  const leak = new LeakStream(new LeakScanner(index, canary), 'block');
  for (let i = 0; i < text.length; i += 4) {
    if (leak.push(text.slice(i, i + 4)).findings.length > 0) throw new Error('unexpected leak');
  }
  if (leak.end().findings.length > 0) throw new Error('unexpected leak');
}

function json(text: string): void {
  const leak = new LeakStream(new LeakScanner(index, canary), 'block');
  if (leak.push(text).findings.length + leak.end().findings.length > 0) throw new Error('unexpected leak');
}

const guard = createSystemPromptGuard();
const app = { id: 'bench', maxInputTokens: 100_000, systemPrompt: policy } as unknown as AppPolicy;
function requestGuard(): void {
  const ctx = newContext({
    id: 'req_bench',
    operation: 'openai.chat',
    wire: 'openai',
    receivedAt: 0,
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Where is my order 1234?' }] },
    model: 'gpt-4o-mini',
    stream: false,
    anthropicVersion: undefined,
    anthropicBeta: undefined,
    credential: undefined,
    userToken: undefined,
    endUserHeader: undefined,
    clientIp: '127.0.0.1',
    routeApp: 'bench',
    signal: new AbortController().signal,
  });
  ctx.app = app;
  ctx.inputTokens = 20;
  if (guard.check(ctx).action !== 'allow') throw new Error('unexpected denial');
}

console.log(`window ${index.windowChars} chars, ${iterations} iterations`);
console.log('| case | mean ms | p50 ms | p99 ms |');
console.log('| --- | --- | --- | --- |');
time('leak scan, 4 KB ASCII streamed in 4-char deltas', () => stream(ascii));
time('leak scan, 4 KB mixed scripts streamed in 4-char deltas', () => stream(mixed));
time('leak scan, 4 KB ASCII JSON body', () => json(ascii));
time('system-prompt request guard (1 KB prompt, cached tokens)', requestGuard);
