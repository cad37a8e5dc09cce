/**
 * Load generation: autocannon for throughput, with every 2xx response time kept at full (sub-ms)
 * precision (autocannon's own histogram truncates to whole ms), and a sequential undici loop for
 * time to first streamed token.
 */
import autocannon from 'autocannon';
import { Client } from 'undici';

export interface Endpoint {
  /** Full URL of the chat completions route. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface LoadResult {
  readonly requests: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
}

export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

export function runLoad(
  endpoint: Endpoint,
  body: string,
  connections: number,
  durationSeconds: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: endpoint.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...endpoint.headers },
        body,
        connections,
        duration: durationSeconds,
        timeout: 30,
      },
      (error, result) => {
        if (error) return reject(error);
        const sorted = Float64Array.from(latencies).sort();
        resolve({
          requests: result.requests.total,
          // Only successful responses count as throughput (a failing target must not look fast).
          reqPerSec: result['2xx'] / durationSeconds,
          p50Ms: percentile(sorted, 0.5),
          p99Ms: percentile(sorted, 0.99),
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
        });
      },
    );
    instance.on(
      'response',
      (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
      },
    );
  });
}

export interface TtftResult {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * Time from sending a streaming request to receiving the first `data:` line, over `count`
 * sequential requests on one keep-alive connection.
 */
export async function measureTtft(endpoint: Endpoint, body: string, count: number): Promise<TtftResult> {
  const url = new URL(endpoint.url);
  const client = new Client(url.origin, { pipelining: 1 });
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const started = performance.now();
      const response = await client.request({
        method: 'POST',
        path: url.pathname,
        headers: { 'content-type': 'application/json', ...endpoint.headers },
        body,
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        throw new Error(`TTFT request answered ${response.statusCode}`);
      }
      let seen = '';
      let firstTokenMs: number | undefined;
      for await (const chunk of response.body) {
        if (firstTokenMs === undefined) {
          seen += (chunk as Buffer).toString('utf8');
          if (seen.includes('data:')) firstTokenMs = performance.now() - started;
        }
      }
      if (firstTokenMs === undefined) throw new Error('stream ended without a data: line');
      samples.push(firstTokenMs);
    }
  } finally {
    await client.close();
  }
  const sorted = Float64Array.from(samples).sort();
  return { samples: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}
