import type { ChannelKind, OutputChannel } from '../../core/types.js';

const MAX_CACHED = 4096;
const cache = new Map<string, OutputChannel>();

/**
 * Channel descriptors are immutable and recur in every event of a stream, so they are shared. The
 * cache is bounded: an upstream that invents endless indexes gets fresh objects, not a leak.
 */
export const channel = (id: string, kind: ChannelKind, field: string): OutputChannel => {
  const key = `${id}|${field}`;
  let found = cache.get(key);
  if (found === undefined) {
    found = Object.freeze({ id, kind, field });
    if (cache.size < MAX_CACHED) cache.set(key, found);
  }
  return found;
};

export const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** Index field of a choice, tool call or content block; falls back to the array position. */
export const indexOf = (item: Record<string, unknown>, position: number): number =>
  typeof item.index === 'number' && Number.isSafeInteger(item.index) && item.index >= 0
    ? item.index
    : position;
