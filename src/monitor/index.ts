export * from './alerts/index.js';
export { createMetrics, DURATION_BUCKETS_SECONDS } from './metrics.js';
export type { Metrics, MetricsOptions } from './metrics.js';
