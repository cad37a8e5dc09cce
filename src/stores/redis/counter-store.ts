/**
 * CounterStore over Redis: one Lua script per operation (atomic, Redis clock), so limits are exact
 * across any number of gateway replicas sharing the server.
 *
 * Outage behaviour: the connection never queues commands while disconnected and never retries a
 * command, and every command has a timeout, so when Redis is down or hung each call REJECTS within
 * `commandTimeoutMs` instead of hanging. ioredis keeps reconnecting in the background (capped
 * backoff); `isHealthy()` and `onHealthChange` report the connection state. What to do on a
 * rejection is the caller's policy (ResilientCounterStore for rate limits).
 */
import { Redis } from 'ioredis';
import { randomBase62 } from '../../core/ids.js';
import type { ConsumeResult, CounterStore } from '../ports.js';
import { ACQUIRE_LUA, CONSUME_LUA, REFUND_LUA } from './scripts.js';

export interface RedisCounterStoreOptions {
  /** redis://[user:password@]host:port[/db] or rediss:// for TLS. Never logged. */
  readonly url: string;
  /** Prepended to every key, e.g. `bastion:`; lets deployments and test runs share a server. */
  readonly keyPrefix?: string;
  /** Upper bound on any one call (default 250 ms). */
  readonly commandTimeoutMs?: number;
  /** TCP connect timeout per attempt (default 1000 ms). */
  readonly connectTimeoutMs?: number;
  /** Cap of the reconnect backoff (default 2000 ms). */
  readonly maxReconnectDelayMs?: number;
  /** Called on every change of `isHealthy()`. Must not throw. */
  readonly onHealthChange?: (healthy: boolean) => void;
}

/** The scripts as registered with ioredis `defineCommand` (EVALSHA, falling back to EVAL once). */
interface ScriptCommands {
  bastionConsume(key: string, cost: number, limit: number, windowMs: number): Promise<number[]>;
  bastionRefund(key: string, cost: number, limit: number, windowMs: number): Promise<number>;
  bastionAcquire(key: string, limit: number, leaseMs: number, leaseId: string): Promise<number>;
}

export class RedisCounterStore implements CounterStore {
  private readonly redis: Redis;
  private readonly scripts: ScriptCommands;
  private readonly rateKeyPrefix: string;
  private readonly slotKeyPrefix: string;
  private healthy = false;
  private closed = false;

  constructor(private readonly options: RedisCounterStoreOptions) {
    const maxDelay = options.maxReconnectDelayMs ?? 2000;
    this.redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 250,
      connectTimeout: options.connectTimeoutMs ?? 1000,
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 16), maxDelay),
      // Reconnect after READONLY (a failed-over replica) instead of failing every write.
      reconnectOnError: (error) => error.message.startsWith('READONLY'),
    });
    this.redis.defineCommand('bastionConsume', { numberOfKeys: 1, lua: CONSUME_LUA });
    this.redis.defineCommand('bastionRefund', { numberOfKeys: 1, lua: REFUND_LUA });
    this.redis.defineCommand('bastionAcquire', { numberOfKeys: 1, lua: ACQUIRE_LUA });
    this.scripts = this.redis as unknown as ScriptCommands;
    const prefix = options.keyPrefix ?? 'bastion:';
    this.rateKeyPrefix = `${prefix}rl:`;
    this.slotKeyPrefix = `${prefix}cc:`;
    this.redis.on('ready', () => this.setHealthy(true));
    for (const event of ['close', 'end', 'reconnecting'] as const) {
      this.redis.on(event, () => this.setHealthy(false));
    }
    // Connection errors surface as rejected calls and as health changes; without a listener ioredis
    // would print them (with the host) to stderr.
    this.redis.on('error', () => this.setHealthy(this.redis.status === 'ready'));
  }

  /** True while the connection is established and ready for commands. */
  isHealthy(): boolean {
    return this.healthy;
  }

  /** Resolves once connected; rejects after `timeoutMs` (for startup checks and tests). */
  ready(timeoutMs = 5000): Promise<void> {
    if (this.healthy) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(new Error(`redis counter store not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once('ready', onReady);
    });
  }

  async consume(key: string, cost: number, limit: number, windowMs: number): Promise<ConsumeResult> {
    assertLimitArgs(cost, limit, windowMs);
    const reply = await this.scripts.bastionConsume(this.rateKeyPrefix + key, cost, limit, windowMs);
    const [allowed, remaining, resetMs, retryAfterMs] = reply;
    if (remaining === undefined || resetMs === undefined || retryAfterMs === undefined) {
      throw new Error('unexpected reply from the redis consume script');
    }
    return { allowed: allowed === 1, limit, remaining, resetMs, retryAfterMs };
  }

  async refund(key: string, cost: number, limit: number, windowMs: number): Promise<void> {
    assertLimitArgs(cost, limit, windowMs);
    await this.scripts.bastionRefund(this.rateKeyPrefix + key, cost, limit, windowMs);
  }

  async acquire(
    key: string,
    limit: number,
    leaseMs: number,
  ): Promise<{ readonly allowed: boolean; readonly leaseId: string }> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new RangeError('leaseMs must be a positive number');
    const leaseId = randomBase62(20);
    const reply = await this.scripts.bastionAcquire(this.slotKeyPrefix + key, limit, leaseMs, leaseId);
    return { allowed: reply === 1, leaseId };
  }

  async release(key: string, leaseId: string): Promise<void> {
    // A single ZREM is atomic on its own; no script needed.
    await this.redis.zrem(this.slotKeyPrefix + key, leaseId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.redis.status === 'ready') {
      try {
        await this.redis.quit();
        return;
      } catch {
        // fall through to a hard disconnect
      }
    }
    this.redis.disconnect();
  }

  private setHealthy(healthy: boolean): void {
    if (healthy === this.healthy) return;
    this.healthy = healthy;
    if (!this.closed) this.options.onHealthChange?.(healthy);
  }
}

function assertLimitArgs(cost: number, limit: number, windowMs: number): void {
  if (!Number.isFinite(cost) || cost < 0) throw new RangeError('cost must be a finite number >= 0');
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw new RangeError('windowMs must be a positive number');
}

/** Creates the store and starts connecting in the background; calls reject until it is ready. */
export function createRedisCounterStore(options: RedisCounterStoreOptions): RedisCounterStore {
  return new RedisCounterStore(options);
}
