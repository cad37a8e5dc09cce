import { scrubProviderKeys } from './secret-ref.js';

export interface ConfigIssue {
  /** Dotted path of the offending setting, e.g. `apps.default.maxOutputTokens`; `''` for the whole file. */
  readonly path: string;
  /** What is wrong and how to fix it. Never contains a secret value. */
  readonly message: string;
}

/**
 * The config is invalid. `message` lists every issue on its own line so an operator can fix them
 * all in one go. Messages pass through the provider-key scrubber as a last line of defence.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  readonly source: string;

  constructor(source: string, issues: readonly ConfigIssue[]) {
    const clean = issues.map((issue) =>
      Object.freeze({ path: issue.path, message: scrubProviderKeys(issue.message) }),
    );
    const lines = clean.map((issue) => `  - ${issue.path === '' ? '(file)' : issue.path}: ${issue.message}`);
    super(
      `invalid config in ${source} (${clean.length} problem${clean.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'ConfigError';
    this.source = source;
    this.issues = Object.freeze(clean);
  }
}
