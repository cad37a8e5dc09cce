/**
 * One iterative pass over a parsed JSON value that enforces the two structural limits the schema
 * validators cannot enforce safely on hostile input: nesting depth (recursive validators overflow
 * the stack on deeply nested bodies) and finiteness of numbers (JSON.parse turns `1e999` into
 * Infinity, which would serialise upstream as `null`).
 */

export type JsonShapeViolation = 'json_too_deep' | 'non_finite_number';

/**
 * Returns the first violation found, or undefined when the value is within limits.
 * Depth counts containers: `{}` is depth 1, `{"a":[]}` is depth 2; scalars add no depth.
 * No recursion: an explicit stack of (value, depth) pairs, so 100k levels cannot overflow.
 */
export const checkJsonShape = (root: unknown, maxDepth: number): JsonShapeViolation | undefined => {
  if (typeof root === 'number') return Number.isFinite(root) ? undefined : 'non_finite_number';
  if (root === null || typeof root !== 'object') return undefined;
  // Two parallel stacks instead of tuples: no allocation per visited container.
  const values: object[] = [root];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth > maxDepth) return 'json_too_deep';
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const child: unknown = value[i];
        if (typeof child === 'number') {
          if (!Number.isFinite(child)) return 'non_finite_number';
        } else if (child !== null && typeof child === 'object') {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      const record = value as Record<string, unknown>;
      for (const key in record) {
        if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
        const child = record[key];
        if (typeof child === 'number') {
          if (!Number.isFinite(child)) return 'non_finite_number';
        } else if (child !== null && typeof child === 'object') {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return undefined;
};
