export { RedisCounterStore, createRedisCounterStore } from './counter-store.js';
export type { RedisCounterStoreOptions } from './counter-store.js';
