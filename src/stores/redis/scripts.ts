/**
 * Lua scripts of the Redis counter store: each operation is one script, so it is atomic on the
 * server, and each reads the time from `redis.call('TIME')` so every replica shares one clock.
 * The GCRA steps mirror src/stores/memory/gcra.ts (see there for the precision argument); the
 * numbers are kept as strings with 17 significant digits because Redis truncates Lua numbers to
 * integers in replies and `tostring` keeps only 14 digits.
 *
 * Redis >= 5 replicates scripts by effects, so calling TIME before writing is allowed.
 */

const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
`;

const EPSILON_MS = 0.001;
const EXPIRY_MARGIN_MS = 1000;

/** KEYS[1] bucket; ARGV cost, limit, windowMs -> {allowed, remaining, resetMs, retryAfterMs}. */
export const CONSUME_LUA = `${NOW_MS}
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local interval = window / limit
local raw = redis.call('GET', KEYS[1])
local used = 0
if raw then
  used = tonumber(raw) - now
  if used < 0 then used = 0 end
end
local usedAfter = used + cost * interval
if usedAfter <= window + ${EPSILON_MS} then
  redis.call('SET', KEYS[1], string.format('%.17g', now + usedAfter),
    'PX', math.ceil(usedAfter) + ${EXPIRY_MARGIN_MS})
  return {1, math.floor((window + ${EPSILON_MS} - usedAfter) / interval), math.ceil(usedAfter), 0}
end
return {0, 0, math.ceil(used), math.ceil(usedAfter - window)}
`;

/** KEYS[1] bucket; ARGV cost, limit, windowMs. Never makes the bucket fuller than unused. */
export const REFUND_LUA = `${NOW_MS}
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local usedAfter = tonumber(raw) - now - tonumber(ARGV[1]) * (tonumber(ARGV[3]) / tonumber(ARGV[2]))
if usedAfter > 0 then
  redis.call('SET', KEYS[1], string.format('%.17g', now + usedAfter),
    'PX', math.ceil(usedAfter) + ${EXPIRY_MARGIN_MS})
else
  redis.call('DEL', KEYS[1])
end
return 1
`;

/**
 * KEYS[1] sorted set of leaseIds scored by expiry; ARGV limit, leaseMs, leaseId -> 1 | 0.
 * Expired leases are dropped first, so a crashed holder frees its slot after leaseMs.
 */
export const ACQUIRE_LUA = `${NOW_MS}
local limit = tonumber(ARGV[1])
local leaseMs = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.17g', now))
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], string.format('%.17g', now + leaseMs), ARGV[3])
local ttl = math.ceil(leaseMs) + ${EXPIRY_MARGIN_MS}
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`;
