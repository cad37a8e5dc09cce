import { lintSource } from '@secretlint/core';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import type { FindingSeverity } from './finding.js';

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

const RULE_PREFIX = /^@secretlint\/secretlint-rule-/;

const SEVERITY: Record<string, FindingSeverity> = { error: 'high', warning: 'medium', info: 'low' };

export async function secretlintMatches(text: string, filePath: string): Promise<SecretlintMatch[]> {
  const result = await lintSource({
    source: { content: text, filePath, contentType: 'text' },
    // Messages are discarded (they may quote the secret); we keep only rule ids and ranges.
    options: { config: CONFIG, maskSecrets: true, noPhysicFilePath: true },
  });
  return result.messages.map((message) => {
    const [start, end] = message.range;
    return {
      ruleId: `secretlint/${message.ruleId.replace(RULE_PREFIX, '')}`,
      severity: SEVERITY[message.severity] ?? 'high',
      index: start,
      length: end - start,
      secret: text.slice(start, end),
    };
  });
}
