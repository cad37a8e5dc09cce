import type { Finding } from './finding.js';
import { OWN_RULES } from './patterns.js';

/** Output formats of `bastion scan`. None of them contains a secret, only masked values and fingerprints. */
export type ReportFormat = 'human' | 'json' | 'sarif';

export const REPORT_FORMATS: readonly ReportFormat[] = ['human', 'json', 'sarif'];

export function formatHuman(findings: readonly Finding[]): string {
  return findings
    .map((f) => `${f.file}:${f.line}:${f.column}  ${f.ruleId}  ${f.masked}  ${f.severity}  ${f.fingerprint}`)
    .join('\n');
}

export function formatJson(findings: readonly Finding[]): string {
  return JSON.stringify({ findings }, null, 2);
}

const SARIF_LEVEL = { high: 'error', medium: 'warning', low: 'note' } as const;

/** `a.tar!layer/x/etc/env` -> the artifact on disk (`a.tar`) and the member path inside it. */
function splitArchivePath(file: string): { uri: string; member?: string } {
  const bang = file.indexOf('!');
  return bang < 0 ? { uri: file } : { uri: file.slice(0, bang), member: file.slice(bang + 1) };
}

const encodeUri = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

/** A minimal valid SARIF 2.1.0 log: one run, the rules that fired, one result per finding. */
export function formatSarif(findings: readonly Finding[], toolVersion: string): string {
  const descriptions = new Map(OWN_RULES.map((rule) => [rule.id, rule.description]));
  const ruleIds = [...new Set(findings.map((f) => f.ruleId))].sort();
  const rules = ruleIds.map((id) => ({
    id,
    shortDescription: { text: descriptions.get(id) ?? `secretlint rule ${id.replace(/^secretlint\//, '')}` },
  }));
  const results = findings.map((f) => {
    const { uri, member } = splitArchivePath(f.file);
    const where = member ? ` in ${member}` : '';
    return {
      ruleId: f.ruleId,
      ruleIndex: ruleIds.indexOf(f.ruleId),
      level: SARIF_LEVEL[f.severity],
      message: { text: `Secret ${f.masked} (${f.ruleId})${where} at line ${f.line}, column ${f.column}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeUri(uri) },
            // Lines inside an archive member or source map do not exist in the artifact itself.
            ...(member ? {} : { region: { startLine: f.line, startColumn: f.column } }),
          },
        },
      ],
      partialFingerprints: { 'bastionSecret/v1': f.fingerprint },
    };
  });
  return JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'bastion-scan', version: toolVersion, rules } }, results }],
    },
    null,
    2,
  );
}

export function formatReport(
  format: ReportFormat,
  findings: readonly Finding[],
  toolVersion = '0.0.0',
): string {
  if (format === 'json') return formatJson(findings);
  if (format === 'sarif') return formatSarif(findings, toolVersion);
  return formatHuman(findings);
}
