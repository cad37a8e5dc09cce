import { createHash } from 'node:crypto';

export type FindingSeverity = 'high' | 'medium' | 'low';

/** One secret found at one place. Never carries the secret itself, only its masked form. */
export interface Finding {
  readonly ruleId: string;
  /** Display path: relative to the working directory, `!` separating archive members. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units (what editors show for a minified single-line bundle). */
  readonly column: number;
  readonly masked: string;
  readonly severity: FindingSeverity;
  /** sha256 hex of rule + path + secret; stable across runs, listed in the ignore file to accept it. */
  readonly fingerprint: string;
  /** `bastion` for the project's own rules, `secretlint` for the recommended preset. */
  readonly source: 'bastion' | 'secretlint';
}

/**
 * First 4 + `…` + last 4 characters at most, and never more than a third of the secret, so short values
 * do not leak: anything under 12 characters shows only its length.
 */
export function maskSecret(secret: string): string {
  if (secret.length < 12) return `[${secret.length} chars]`;
  const keep = Math.min(4, Math.floor(secret.length / 6));
  return `${secret.slice(0, keep)}…${secret.slice(-keep)}`;
}

export function fingerprintOf(ruleId: string, file: string, secret: string): string {
  return createHash('sha256').update(`${ruleId}\0${file}\0${secret}`, 'utf8').digest('hex');
}

/** Maps string offsets to 1-based line and column; built once per text, only when it has findings. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) this.starts.push(at + 1);
  }

  locate(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] ?? 0) + 1 };
  }
}
