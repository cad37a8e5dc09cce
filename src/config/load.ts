/**
 * Turns YAML text (or an already-built object) into a validated, deep-frozen BastionConfig.
 * Errors name the setting by path and say what is expected; they never echo secret-looking values.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.js';
import { configSchema, type BastionConfig } from './schema.js';
import { LITERAL_KEY_MESSAGE, looksLikeProviderKey } from './secret-ref.js';
import { loadSystemPromptFiles } from './system-prompt-schema.js';

export { ConfigError, type ConfigIssue } from './errors.js';

/** Config files are small; a huge one is a mistake or an attack on the parser. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export const formatPath = (path: readonly PropertyKey[]): string =>
  path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');

/**
 * Finds every string (values and map keys) that looks like a provider key, and `__proto__` keys.
 * Runs before the schema so a pasted key is refused wherever it sits, including free-text fields.
 */
const findLiteralKeys = (value: unknown, path: PropertyKey[], out: ConfigIssue[]): void => {
  if (typeof value === 'string') {
    if (looksLikeProviderKey(value)) out.push({ path: formatPath(path), message: LITERAL_KEY_MESSAGE });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => findLiteralKeys(item, [...path, index], out));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      // The key itself is not echoed: the issue points at the parent object.
      if (looksLikeProviderKey(key)) out.push({ path: formatPath(path), message: LITERAL_KEY_MESSAGE });
      // zod drops `__proto__` keys silently; an operator should hear about it instead.
      else if (key === '__proto__')
        out.push({ path: formatPath(path), message: 'the key __proto__ is not allowed' });
      else findLiteralKeys(item, [...path, key], out);
    }
  }
};

const EXPECTED_NAMES: Readonly<Record<string, string>> = {
  object: 'a map',
  record: 'a map',
  array: 'a list',
};
const expectedName = (expected: string): string => EXPECTED_NAMES[expected] ?? expected;

const typeName = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'a list'
      : typeof value === 'object'
        ? 'a map'
        : typeof value;

/** One readable line per zod issue. Uses the input only for its type, never its value. */
const describeIssue = (issue: z.core.$ZodIssue): string => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `is required (expected ${expectedName(issue.expected)})`
        : `expected ${expectedName(issue.expected)}, got ${typeName(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown option${issue.keys.length === 1 ? '' : 's'} ${issue.keys
        .map((key) => JSON.stringify(key.slice(0, 64)))
        .join(', ')}; remove ${issue.keys.length === 1 ? 'it' : 'them'} or check the spelling`;
    case 'invalid_key':
      return issue.issues[0]?.message ?? 'invalid key';
    case 'invalid_union':
      // Our unions carry their own message; zod's nested ones say "Invalid input".
      return issue.message === 'Invalid input' ? 'does not match any accepted form' : issue.message;
    default:
      return issue.message;
  }
};

export interface ValidateOptions {
  /** Folder that relative paths in the config (system prompt files) are resolved against; default cwd. */
  readonly baseDir?: string;
}

/** Validates a plain object (parsed YAML or built in code) and deep-freezes the result. */
export const validateConfig = (
  raw: unknown,
  sourceName: string,
  options: ValidateOptions = {},
): BastionConfig => {
  const literalKeys: ConfigIssue[] = [];
  findLiteralKeys(raw, [], literalKeys);
  if (literalKeys.length > 0) throw new ConfigError(sourceName, literalKeys);
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(
      sourceName,
      result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: describeIssue(issue) })),
    );
  }
  // System prompt files are read once, here, so a bad or secret-bearing prompt fails the load.
  const promptIssues = loadSystemPromptFiles(result.data, options.baseDir ?? process.cwd());
  if (promptIssues.length > 0) throw new ConfigError(sourceName, promptIssues);
  return deepFreeze(result.data);
};

/** Parses YAML text. Syntax errors are reported as line:column without quoting the offending line. */
export const parseConfig = (
  yamlText: string,
  sourceName: string,
  options: ValidateOptions = {},
): BastionConfig => {
  const lineCounter = new LineCounter();
  // uniqueKeys (default) refuses duplicate keys; YAML 1.2 core schema has no `yes`/`no` booleans or custom tags.
  const document = parseDocument(yamlText, {
    lineCounter,
    prettyErrors: false,
    schema: 'core',
    merge: false,
  });
  // Warnings (e.g. unknown tags) are treated as errors: a config we do not fully understand is refused.
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) {
    throw new ConfigError(
      sourceName,
      problems.map((problem) => {
        const { line, col } = lineCounter.linePos(problem.pos[0]);
        // Only the first line of the parser message: later lines quote the source, which may hold a secret.
        const summary = (problem.message.split('\n')[0] ?? 'invalid YAML').replace(
          / at line \d+, column \d+:?$/,
          '',
        );
        return { path: '', message: `YAML syntax error at line ${line}:${col}: ${summary}` };
      }),
    );
  }
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 50 });
  } catch {
    // The yaml library throws here on alias bombs (too many alias expansions).
    throw new ConfigError(sourceName, [
      { path: '', message: 'too many YAML alias expansions; write the values out' },
    ]);
  }
  if (raw === null || raw === undefined) {
    throw new ConfigError(sourceName, [
      { path: '', message: 'the config is empty; run `bastion init` for a template' },
    ]);
  }
  // A key in a comment is still a key committed to the repository. Values are reported by path in
  // validateConfig; anything left (comments) is reported by line.
  const valueIssues: ConfigIssue[] = [];
  findLiteralKeys(raw, [], valueIssues);
  if (valueIssues.length === 0) {
    const lineIssues = yamlText.split('\n').flatMap((line, index) =>
      looksLikeProviderKey(line)
        ? [
            {
              path: '',
              message: `line ${index + 1}: ${LITERAL_KEY_MESSAGE} (a key in a comment counts too)`,
            },
          ]
        : [],
    );
    if (lineIssues.length > 0) throw new ConfigError(sourceName, lineIssues);
  }
  return validateConfig(raw, sourceName, options);
};

/** Reads and validates a config file. */
export const loadConfigFile = async (path: string): Promise<BastionConfig> => {
  let text: string;
  try {
    const buffer = await readFile(path);
    if (buffer.byteLength > MAX_CONFIG_BYTES) {
      throw new ConfigError(path, [
        { path: '', message: `the file is larger than ${MAX_CONFIG_BYTES} bytes` },
      ]);
    }
    text = buffer.toString('utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(path, [{ path: '', message: `cannot read the config file (${code})` }]);
  }
  return parseConfig(text, path, { baseDir: dirname(resolve(path)) });
};

export const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
};
