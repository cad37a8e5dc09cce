export { scanPaths, scanText } from './scanner.js';
export type { ScanOptions, ScanResult } from './scanner.js';
export type { Finding, FindingSeverity } from './finding.js';
export { maskSecret, fingerprintOf } from './finding.js';
export { EMPTY_IGNORE, loadIgnoreFile, mergeIgnore, parseIgnore } from './ignore.js';
export type { IgnoreRules } from './ignore.js';
export { findPatternSecrets, OWN_RULES } from './patterns.js';
export { formatReport, REPORT_FORMATS } from './report.js';
export type { ReportFormat } from './report.js';
