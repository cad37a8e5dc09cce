import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import type { FindingSeverity } from './finding.js';
import { isPlaceholderCredentialUrl } from './placeholders.js';

/** secretlint's recommended preset, as raw matches located by string offsets like our own rules. */
export interface SecretlintMatch {
  readonly ruleId: string;
  readonly severity: FindingSeverity;
  readonly index: number;
  readonly length: number;
  readonly secret: string;
}

type LintConfig = Parameters<typeof lintSource>[0]['options']['config'];

const CONFIG: LintConfig = {
  rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommendedPreset }],
};

/**
 * secretlint's profiler (the package @secretlint/core itself imports) marks every rule of every file
 * whether or not anyone profiles, and in 11.x its observer scans all earlier marks on each new one:
 * O(n^2) in files scanned. On all of node_modules (32k files, ~1M marks) the scan ran minutes and the
 * process kept spinning after it. Upstream made profiling opt-in (secretlint#1633, PR #1673,
 * `setEnabled`); until we are on such a release, its `mark` becomes a no-op. We never read its output.
 */
const profiler = secretLintProfiler as unknown as {
  setEnabled?: (enabled: boolean) => void;
  mark: (marker: unknown) => void;
};
if (typeof profiler.setEnabled === 'function') profiler.setEnabled(false);
else profiler.mark = () => undefined;

const RULE_PREFIX = /^@secretlint\/secretlint-rule-/;

const SEVERITY: Record<string, FindingSeverity> = { error: 'high', warning: 'medium', info: 'low' };

/** Rules whose match is a whole `scheme://user:password@host` URL, checked for placeholders. */
const URL_CREDENTIAL_RULES = new Set(['secretlint/basicauth', 'secretlint/database-connection-string']);

export async function secretlintMatches(text: string, filePath: string): Promise<SecretlintMatch[]> {
  const result = await lintSource({
    source: { content: text, filePath, contentType: 'text' },
    // Messages are discarded (they may quote the secret); we keep only rule ids and ranges.
    options: { config: CONFIG, maskSecrets: true, noPhysicFilePath: true },
  });
  return result.messages
    .map((message): SecretlintMatch => {
      const [start, end] = message.range;
      return {
        ruleId: `secretlint/${message.ruleId.replace(RULE_PREFIX, '')}`,
        severity: SEVERITY[message.severity] ?? 'high',
        index: start,
        length: end - start,
        secret: text.slice(start, end),
      };
    })
    .filter((match) => !(URL_CREDENTIAL_RULES.has(match.ruleId) && isPlaceholderCredentialUrl(match.secret)));
}
