/**
 * A strict reader for the Prometheus text exposition format (0.0.4), enough to prove /metrics
 * output parses: HELP/TYPE comments, samples with escaped label values, numeric values.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

// Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case (prom-client writes `Nan`).
const parseValue = (text: string): number => {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${text}`);
  return Number(text);
};

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = LABEL.exec(rest);
    if (!match) throw new Error(`bad labels: ${text}`);
    const [whole, key = '', raw = ''] = match;
    if (key in labels) throw new Error(`duplicate label ${key}`);
    labels[key] = raw.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
  }
  return labels;
}

/** Throws on any line that is not valid exposition format, or a sample whose family has no TYPE. */
export function parsePrometheusText(body: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of body.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!meta) throw new Error(`bad comment: ${line}`);
      if (meta[1] === 'TYPE') {
        if (!TYPES.has(meta[3] ?? '')) throw new Error(`bad type: ${line}`);
        types.set(meta[2] ?? '', meta[3] ?? '');
      }
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`bad sample: ${line}`);
    const name = match[1] ?? '';
    const family = types.has(name)
      ? name
      : SUFFIXES.map((s) => name.replace(new RegExp(`${s}$`), '')).find((f) => types.has(f));
    if (family === undefined) throw new Error(`sample without TYPE: ${line}`);
    samples.push({ name, labels: parseLabels(match[2] ?? ''), value: parseValue(match[3] ?? '') });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels`. */
export const valueOf = (
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

export const seriesOf = (samples: readonly Sample[], name: string): Sample[] =>
  samples.filter((s) => s.name === name);
