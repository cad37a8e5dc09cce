/**
 * `bastion detect`: scores text with the prompt-injection detector, for evaluation.
 *
 *   bastion detect --jsonl FILE   each line's `text` scored; the line is echoed with `score` and `flagged`
 *   echo "some text" | bastion detect   prints one score
 *
 * Lines without a string `text` field are an error naming the line number (never its content).
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { createInjectionDetector } from '../detect/injection/index.js';
import type { InjectionDetector } from '../detect/injection/index.js';
import { CliError } from './exit-codes.js';
import type { CliIO } from './io.js';

export interface DetectDeps {
  /** Reads all of stdin (tests pass a string). */
  readonly readStdin?: () => Promise<string>;
  readonly detector?: () => InjectionDetector;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

const round = (score: number): number => Math.round(score * 1e6) / 1e6;

async function scoreJsonl(io: CliIO, detector: InjectionDetector, file: string): Promise<void> {
  const lines = createInterface({
    input: createReadStream(resolve(io.cwd, file), 'utf8'),
    crlfDelay: Infinity,
  });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new CliError(`${file}:${lineNumber}: not valid JSON`);
    }
    if (
      typeof row !== 'object' ||
      row === null ||
      Array.isArray(row) ||
      typeof (row as { text?: unknown }).text !== 'string'
    )
      throw new CliError(`${file}:${lineNumber}: expected an object with a string "text" field`);
    const result = detector.score((row as { text: string }).text);
    io.out(
      JSON.stringify({ ...row, score: round(result.score), flagged: result.score >= detector.threshold }),
    );
  }
}

export function registerDetectCommand(program: Command, io: CliIO, deps: DetectDeps = {}): void {
  program
    .command('detect')
    .description(
      'score text for prompt injection (--jsonl FILE with a "text" field per line, or text on stdin)',
    )
    .option('--jsonl <file>', 'JSON-lines file; each line is echoed with "score" (0-1) and "flagged" added')
    .action(async (options: { jsonl?: string }) => {
      const detector = (deps.detector ?? createInjectionDetector)();
      if (options.jsonl !== undefined) {
        await scoreJsonl(io, detector, options.jsonl);
        return;
      }
      const text = await (deps.readStdin ?? readProcessStdin)();
      io.out(String(round(detector.score(text).score)));
    });
}
