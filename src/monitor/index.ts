export * from './alerts/index.js';
export { createMetrics, DURATION_BUCKETS_SECONDS } from './metrics.js';
export { ContentHitCounter } from './content-hits.js';
export type { ContentHitAlert, ContentHitCounterOptions, ContentHitEvent } from './content-hits.js';
export type { Metrics, MetricsOptions } from './metrics.js';
