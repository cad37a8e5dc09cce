import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, relative, resolve, sep } from 'node:path';
import { fingerprintOf, LineIndex, maskSecret } from './finding.js';
import type { Finding } from './finding.js';
import { EMPTY_IGNORE, isPathIgnored } from './ignore.js';
import type { IgnoreRules } from './ignore.js';
import { findPatternSecrets } from './patterns.js';
import { secretlintMatches } from './secretlint.js';
import { embeddedSources } from './sourcemap.js';
import { bufferReader, isGzip, isTarHeader, maybeGunzip, readTar } from './tar.js';
import type { ReadAt } from './tar.js';

/**
 * Walks files, folders, source maps and tar archives (`docker save` images and their layers) and
 * reports secrets found by the project's own rules and secretlint's recommended preset.
 *
 * Memory is bounded by caps rather than streaming: each file (or archive member) is scanned up to
 * `maxFileBytes` (default 32 MiB; the rest is skipped with a warning), and a layer is decompressed up
 * to `maxLayerBytes` (default 1 GiB). Outer tar files are read header by header, never whole.
 */
export interface ScanOptions {
  /** Files or folders; relative ones resolve against `cwd`. */
  readonly paths: readonly string[];
  readonly cwd: string;
  /** Descend into node_modules folders met while walking (a node_modules given as a path is always scanned). */
  readonly includeNodeModules?: boolean;
  /** Also run secretlint's recommended preset (default true). */
  readonly secretlint?: boolean;
  readonly ignore?: IgnoreRules;
  readonly maxFileBytes?: number;
  readonly maxLayerBytes?: number;
}

export interface ScanResult {
  readonly findings: Finding[];
  /** Findings dropped by the ignore file. */
  readonly ignored: number;
  readonly filesScanned: number;
  readonly bytesScanned: number;
  readonly warnings: string[];
}

const SKIPPED_FOLDERS = new Set(['.git', '.hg', '.svn']);
const BINARY_SNIFF = 8000;
const MAX_ARCHIVE_DEPTH = 2;

const toPosix = (path: string): string => path.split(sep).join('/');

/**
 * Documentation examples (`e.g.) shpat_...`, `example: AKIA...`) fill node_modules and READMEs. A match
 * whose line says "example" or "e.g." before it is treated as one and not reported. Known gap: a real
 * key written after such a word on the same line is missed.
 */
const EXAMPLE_MARKER = /\bexample|\be\.g\./i;
function isDocumentedExample(text: string, index: number): boolean {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  return EXAMPLE_MARKER.test(text.slice(Math.max(lineStart, index - 200), index));
}

/** Scans one text already in memory; `file` is the display path used in findings and fingerprints. */
export async function scanText(text: string, file: string, useSecretlint = true): Promise<Finding[]> {
  const own = findPatternSecrets(text);
  const linted = useSecretlint ? await secretlintMatches(text, file) : [];
  // Merge: a secretlint match overlapping one of ours is the same secret; keep ours (more specific id).
  const overlaps = (index: number, length: number): boolean =>
    own.some((m) => index < m.index + m.length && m.index < index + length);
  const matches = [...own, ...linted.filter((m) => !overlaps(m.index, m.length))].filter(
    (m) => !isDocumentedExample(text, m.index),
  );
  if (matches.length === 0) return [];
  const lines = new LineIndex(text);
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const match of matches.sort((a, b) => a.index - b.index)) {
    const key = `${match.index}:${match.ruleId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push({
      ruleId: match.ruleId,
      file,
      ...lines.locate(match.index),
      masked: maskSecret(match.secret),
      severity: match.severity,
      fingerprint: fingerprintOf(match.ruleId, file, match.secret),
      source: match.ruleId.startsWith('secretlint/') ? 'secretlint' : 'bastion',
    });
  }
  return findings;
}

const layerId = (member: string): string => {
  const parts = member.split('/');
  if (parts.at(-1) === 'layer.tar' && parts.length >= 2) return parts.at(-2) ?? member;
  if (parts[0] === 'blobs' && parts.length === 3) return parts[2] ?? member;
  return member.replace(/\.(tar|tar\.gz|tgz)$/, '');
};

class Scanner {
  readonly findings: Finding[] = [];
  readonly warnings: string[] = [];
  ignored = 0;
  filesScanned = 0;
  bytesScanned = 0;
  private readonly ignore: IgnoreRules;
  private readonly maxFileBytes: number;
  private readonly maxLayerBytes: number;

  constructor(private readonly options: ScanOptions) {
    this.ignore = options.ignore ?? EMPTY_IGNORE;
    this.maxFileBytes = options.maxFileBytes ?? 32 * 1024 * 1024;
    this.maxLayerBytes = options.maxLayerBytes ?? 1024 * 1024 * 1024;
  }

  async scanRoot(path: string): Promise<void> {
    const absolute = resolve(this.options.cwd, path);
    const stats = statSync(absolute); // throws ENOENT for the CLI to report as a usage error
    if (stats.isDirectory()) await this.walk(absolute, absolute);
    else await this.scanFile(absolute, absolute);
  }

  private display(absolute: string): string {
    const rel = relative(this.options.cwd, absolute);
    return toPosix(rel === '' ? basename(absolute) : rel.startsWith('..') ? absolute : rel);
  }

  private skipped(absolute: string, root: string): boolean {
    return isPathIgnored(this.ignore, this.display(absolute), toPosix(relative(root, absolute)));
  }

  private async walk(folder: string, root: string): Promise<void> {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      this.warnings.push(`cannot read ${this.display(folder)}: ${(error as NodeJS.ErrnoException).code}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const absolute = resolve(folder, entry.name);
      if (this.skipped(absolute, root)) continue;
      // Symlinks are not followed: no loops, no escaping the tree.
      if (entry.isDirectory()) {
        if (SKIPPED_FOLDERS.has(entry.name)) continue;
        if (entry.name === 'node_modules' && !this.options.includeNodeModules) continue;
        await this.walk(absolute, root);
      } else if (entry.isFile()) {
        await this.scanFile(absolute, root);
      }
    }
  }

  private async scanFile(absolute: string, root: string): Promise<void> {
    const file = this.display(absolute);
    if (this.skipped(absolute, root)) return;
    let fd: number;
    try {
      fd = openSync(absolute, 'r');
    } catch (error) {
      this.warnings.push(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
      return;
    }
    try {
      const size = statSync(absolute).size;
      const readAt: ReadAt = (offset, length) => {
        const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        const read = buffer.length === 0 ? 0 : readSync(fd, buffer, 0, buffer.length, offset);
        return buffer.subarray(0, read);
      };
      // Plain tar files (images) are read member by member, never loaded whole. One that turns out
      // not to be a readable tar falls through to the text scan: nothing skips scanning by looking
      // like an archive.
      const tarShaped = isTarHeader(readAt(0, 512));
      if (tarShaped && (await this.scanTar(readAt, `${file}!`, 1))) {
        this.filesScanned++;
        return;
      }
      const limit = isGzip(readAt(0, 2)) ? this.maxLayerBytes : this.maxFileBytes;
      if (size > limit) this.warnings.push(`${file}: only the first ${limit} bytes were scanned`);
      if (tarShaped) await this.scanPlain(readAt(0, limit), file);
      else await this.scanBuffer(readAt(0, limit), file, 0);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * `prefix` is `archive!` for an archive, `archive!layer/<id>/` for the files of an image layer.
   * Returns false (with a warning) when the data is not a readable tar, for the caller to scan it as text.
   */
  private async scanTar(readAt: ReadAt, prefix: string, depth: number): Promise<boolean> {
    try {
      for (const entry of readTar(readAt)) {
        const head = readAt(entry.offset, 512);
        const nested = isGzip(head) || isTarHeader(head);
        const cap = nested ? this.maxLayerBytes : this.maxFileBytes;
        if (entry.size > cap)
          this.warnings.push(`${prefix}${entry.name}: only the first ${cap} bytes were scanned`);
        const data = readAt(entry.offset, Math.min(entry.size, cap));
        const label =
          nested && depth === 1 ? `${prefix}layer/${layerId(entry.name)}` : `${prefix}${entry.name}`;
        await this.scanBuffer(data, label, depth);
      }
      return true;
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'unreadable archive';
      this.warnings.push(`${prefix.slice(0, -1)}: ${reason}; scanned as text instead`);
      return false;
    }
  }

  /** Content dispatch: (gzipped) tar, else {@link scanPlain}. */
  private async scanBuffer(data: Buffer, file: string, depth: number): Promise<void> {
    if (data.length === 0) return;
    if (isGzip(data)) {
      if (depth >= MAX_ARCHIVE_DEPTH) return;
      try {
        data = maybeGunzip(data, this.maxLayerBytes);
      } catch {
        this.warnings.push(`${file}: gzip data could not be decompressed within the size cap`);
        return;
      }
      if (!isTarHeader(data)) return; // a compressed non-tar file: treated as binary
    }
    // Past the nesting limit a tar is not opened; its raw bytes still go to the text scan below
    // (a real tar is binary there and skipped, something merely shaped like one is scanned).
    if (
      isTarHeader(data) &&
      depth < MAX_ARCHIVE_DEPTH &&
      (await this.scanTar(bufferReader(data), depth === 1 ? `${file}/` : `${file}!`, depth + 1))
    )
      return;
    await this.scanPlain(data, file);
  }

  /** Text (or a source map's embedded sources); binary data is skipped. */
  private async scanPlain(data: Buffer, file: string): Promise<void> {
    if (data.subarray(0, BINARY_SNIFF).includes(0)) return;
    this.filesScanned++;
    this.bytesScanned += data.length;
    const text = data.toString('utf8');
    if (file.endsWith('.map')) {
      const sources = embeddedSources(text);
      if (sources) {
        for (const source of sources) await this.report(source.content, `${file}!${source.path}`);
        return;
      }
    }
    await this.report(text, file);
  }

  private async report(text: string, file: string): Promise<void> {
    for (const finding of await scanText(text, file, this.options.secretlint ?? true)) {
      if (this.ignore.fingerprints.has(finding.fingerprint) || isPathIgnored(this.ignore, finding.file)) {
        this.ignored++;
      } else {
        this.findings.push(finding);
      }
    }
  }
}

export async function scanPaths(options: ScanOptions): Promise<ScanResult> {
  const scanner = new Scanner(options);
  for (const path of options.paths) await scanner.scanRoot(path);
  return {
    findings: scanner.findings,
    ignored: scanner.ignored,
    filesScanned: scanner.filesScanned,
    bytesScanned: scanner.bytesScanned,
    warnings: scanner.warnings,
  };
}
