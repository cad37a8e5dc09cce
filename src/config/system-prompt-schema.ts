/**
 * `apps.<id>.systemPrompt`: a system prompt kept on the server. Clients of such an app send only
 * their own messages; the gateway adds the prompt (with a per-request canary) and scans outputs
 * for leaks of it. The prompt is given inline (`text`) or as a file (`file`, relative to the config
 * file, read once at load). Either way it is refused at load when it holds credentials, connection
 * strings or private network addresses (see system-prompt-content.ts).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { SystemPromptPolicy } from '../core/policy.js';
import type { ConfigIssue } from './errors.js';
import { describePromptProblem, findPromptProblems } from './system-prompt-content.js';

/** Longest prompt accepted, in characters (inline) or bytes (file). Far above any sane prompt. */
export const MAX_SYSTEM_PROMPT_CHARS = 200_000;

const intIn = (min: number, max: number) =>
  z
    .number({ error: 'expected a number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const promptText = z
  .string({ error: 'expected the system prompt as text' })
  .min(1, { error: 'must not be empty' })
  .max(MAX_SYSTEM_PROMPT_CHARS, { error: `must be at most ${MAX_SYSTEM_PROMPT_CHARS} characters` })
  .refine((text) => text.trim() !== '', { error: 'must not be blank' });

export const systemPromptSchema = z
  .strictObject({
    /** The prompt itself. */
    text: promptText.optional(),
    /** A UTF-8 file holding the prompt, relative to the config file. */
    file: z
      .string({ error: 'expected a file path' })
      .min(1, { error: 'expected a file path' })
      .max(4096, { error: 'must be at most 4096 characters' })
      .optional(),
    /** What to do with system/developer messages a client sends: refuse the request, or drop them. */
    clientMessages: z.enum(['refuse', 'strip'], { error: 'expected refuse or strip' }).default('refuse'),
    leak: z
      .strictObject({
        /** A leak found in the output: block the response, or replace the leaked span with [redacted]. */
        action: z.enum(['block', 'redact'], { error: 'expected block or redact' }).default('block'),
        /** Verbatim overlap with the prompt, in consecutive words, that counts as a leak. */
        minOverlapWords: intIn(4, 200).default(12),
      })
      .prefault({}),
  })
  .superRefine((prompt, ctx) => {
    if ((prompt.text === undefined) === (prompt.file === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of text or file' });
      return;
    }
    if (prompt.text !== undefined) {
      for (const problem of findPromptProblems(prompt.text)) {
        ctx.addIssue({ code: 'custom', path: ['text'], message: describePromptProblem(problem) });
      }
    }
  })
  .optional();

export type SystemPromptConfig = z.output<typeof systemPromptSchema>;

/** The parts of a validated config this module touches. */
interface AppsWithPrompts {
  readonly apps: Record<string, { systemPrompt?: SystemPromptConfig }>;
}

const readPromptFile = (path: string): { text: string } | { problem: string } => {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return { problem: `cannot read the system prompt file (${code})` };
  }
  if (bytes.byteLength > MAX_SYSTEM_PROMPT_CHARS)
    return { problem: `the system prompt file is larger than ${MAX_SYSTEM_PROMPT_CHARS} bytes` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { problem: 'the system prompt file is not valid UTF-8' };
  }
  if (text.trim() === '') return { problem: 'the system prompt file is empty' };
  return { text };
};

/**
 * Reads every `systemPrompt.file` (relative to `baseDir`, the config file's folder) into
 * `systemPrompt.text` and checks its content. Runs once at load, on the validated but not yet
 * frozen config; returns path-named issues that never quote the file.
 */
export function loadSystemPromptFiles(config: AppsWithPrompts, baseDir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [appId, app] of Object.entries(config.apps)) {
    const prompt = app.systemPrompt;
    if (prompt?.file === undefined) continue;
    const path = `apps.${appId}.systemPrompt.file`;
    const read = readPromptFile(isAbsolute(prompt.file) ? prompt.file : resolve(baseDir, prompt.file));
    if ('problem' in read) {
      issues.push({ path, message: read.problem });
      continue;
    }
    const problems = findPromptProblems(read.text);
    for (const problem of problems) issues.push({ path, message: describePromptProblem(problem) });
    if (problems.length === 0) prompt.text = read.text;
  }
  return issues;
}

/** The runtime policy of a loaded prompt; throws when a file prompt was never read (fail closed). */
export function toSystemPromptPolicy(prompt: SystemPromptConfig): SystemPromptPolicy | undefined {
  if (prompt === undefined) return undefined;
  if (prompt.text === undefined) {
    throw new Error('system prompt file not loaded: configs must come from validateConfig');
  }
  return Object.freeze({
    text: prompt.text,
    clientMessages: prompt.clientMessages,
    leak: Object.freeze({ ...prompt.leak }),
  });
}
