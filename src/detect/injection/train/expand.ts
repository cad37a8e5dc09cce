/** Every combination of the parts, in order (a small cartesian product), with spaces tidied. */
export function expand(parts: readonly (readonly string[])[]): string[] {
  let out = [''];
  for (const options of parts) out = out.flatMap((prefix) => options.map((option) => `${prefix}${option}`));
  return out.map((text) => text.replace(/[ \t]+/g, ' ').trim());
}
