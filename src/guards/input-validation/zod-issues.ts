/**
 * Turns zod issues into one catalog error: `unsupported_field` for unknown keys (anywhere, even
 * inside a union branch), else `invalid_request`; `param` is the OpenAI-style path of the field
 * (`messages[2].content[0].text`). Only paths are reported, never values.
 */
import type { z } from 'zod';
import { GatewayError } from '../../core/errors.js';

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

export const formatParam = (path: readonly PathKey[]): string => {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
};

/** Discriminator fields: a branch that failed on one of them is the wrong branch. */
const DISCRIMINATORS = new Set<PathKey>(['type', 'role']);

/**
 * Picks the union branch the client most plausibly meant: one whose issues are not about the
 * value's basic type (path []) or its discriminator; the first branch otherwise.
 */
const plausibleBranch = (branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined =>
  branches.find((issues) =>
    issues.every(
      (issue) =>
        issue.path.length > 0 && !(issue.path.length === 1 && DISCRIMINATORS.has(issue.path[0] as PathKey)),
    ),
  ) ?? branches[0];

interface Located {
  readonly unknownKey: boolean;
  readonly path: readonly PathKey[];
}

const locate = (issues: readonly Issue[], base: readonly PathKey[]): Located | undefined => {
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      return { unknownKey: true, path: [...base, ...issue.path, issue.keys[0] ?? ''] };
    }
  }
  const first = issues[0];
  if (first === undefined) return undefined;
  if (first.code === 'invalid_union' && first.errors.length > 0) {
    const branch = plausibleBranch(first.errors);
    const nested = branch && locate(branch, [...base, ...first.path]);
    if (nested) return nested;
  }
  return { unknownKey: false, path: [...base, ...first.path] };
};

export const issuesToError = (issues: readonly Issue[], source: string): GatewayError => {
  const located = locate(issues, []);
  const param = located ? formatParam(located.path) : undefined;
  const code = located?.unknownKey ? 'unsupported_field' : 'invalid_request';
  return new GatewayError(code, { ...(param ? { param } : {}), source });
};
