/**
 * Scanner throughput: generates a ~50 MB corpus (source-like text files, a minified bundle, logs, a few
 * planted fake keys) in a temp dir and times `scanPaths` with and without secretlint's preset.
 * Run: node --import tsx bench/scanner/run.ts   (env SCAN_BENCH_MB, default 50)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanPaths } from '../../src/detect/secrets/index.js';
import { fakeKeys } from '../../tests/fixtures/scan/corpus.js';

const targetMb = Number(process.env.SCAN_BENCH_MB ?? 50);
const root = mkdtempSync(join(tmpdir(), 'bastion-scan-bench-'));
const keys = fakeKeys(3);

const sourceLines = [
  "import { createServer } from 'node:http';",
  'export function handler(request, response) {',
  "  const body = JSON.stringify({ ok: true, items: [1, 2, 3], name: 'example-service' });",
  "  response.writeHead(200, { 'content-type': 'application/json' });",
  '  return response.end(body); // 3f2a9c1d8e7b6a5f4e3d2c1b0a998877 checksum',
  '}',
  "const config = { apiKey: process.env.OPENAI_API_KEY, baseURL: 'https://api.openai.com/v1' };",
];
const logLine = (i: number) =>
  `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z INFO req_${i} POST /v1/chat/completions 200 143ms user=u${i % 97}\n`;

let written = 0;
let file = 0;
const write = (path: string, content: string) => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
  written += content.length;
};
while (written < targetMb * 1e6) {
  const kind = file % 4;
  if (kind === 0) {
    let text = '';
    for (let i = 0; text.length < 200_000; i++) text += `${sourceLines[i % sourceLines.length]}\n`;
    write(`src/mod${file}/index.ts`, text);
  } else if (kind === 1) {
    let text = '';
    for (let i = 0; text.length < 500_000; i++) text += logLine(i);
    write(`logs/app-${file}.log`, text);
  } else if (kind === 2) {
    write(`dist/chunk-${file}.min.js`, sourceLines.join(';').replace(/\n/g, '').repeat(1_000));
  } else {
    write(
      `config/${file}.env`,
      `OPENAI_API_KEY=${keys.openaiProject}\nHF_TOKEN=${keys.huggingface}\n`.repeat(10),
    );
  }
  file++;
}

const run = async (secretlint: boolean) => {
  const started = performance.now();
  const result = await scanPaths({ paths: ['.'], cwd: root, secretlint });
  const seconds = (performance.now() - started) / 1000;
  return {
    secretlint,
    files: result.filesScanned,
    mb: result.bytesScanned / 1e6,
    seconds,
    findings: result.findings.length,
  };
};

try {
  await run(false); // warm-up (JIT, file cache)
  for (const secretlint of [false, true]) {
    const r = await run(secretlint);
    console.log(
      `${secretlint ? 'own rules + secretlint' : 'own rules only       '}: ${r.mb.toFixed(1)} MB, ${r.files} files, ` +
        `${r.seconds.toFixed(2)} s, ${(r.mb / r.seconds).toFixed(1)} MB/s, ${r.findings} findings`,
    );
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
