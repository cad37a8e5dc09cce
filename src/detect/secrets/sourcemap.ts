/** The original sources embedded in a source map (`sourcesContent`), with their original paths. */
export interface EmbeddedSource {
  readonly path: string;
  readonly content: string;
}

/** Returns undefined when the text is not a source map with embedded sources. */
export function embeddedSources(text: string): EmbeddedSource[] | undefined {
  let map: unknown;
  try {
    map = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof map !== 'object' || map === null) return undefined;
  const { sources, sourcesContent, sourceRoot } = map as Record<string, unknown>;
  if (!Array.isArray(sources) || !Array.isArray(sourcesContent)) return undefined;
  const root = typeof sourceRoot === 'string' && sourceRoot !== '' ? sourceRoot.replace(/\/?$/, '/') : '';
  const out: EmbeddedSource[] = [];
  sourcesContent.forEach((content: unknown, i) => {
    if (typeof content !== 'string') return;
    const source = sources[i];
    out.push({ path: `${root}${typeof source === 'string' ? source : `source-${i}`}`, content });
  });
  return out;
}
