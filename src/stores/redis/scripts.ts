/**
 * Lua scripts of the Redis counter store: each operation is one script, so it is atomic on the
 * server, and each reads the time from `redis.call('TIME')` so every replica shares one clock.
 * The GCRA steps mirror src/stores/memory/gcra.ts (see there for the precision argument); the
 * numbers are kept as strings with 17 significant digits because Redis truncates Lua numbers to
 * integers in replies and `tostring` keeps only 14 digits.
 *
 * Redis >= 5 replicates scripts by effects, so calling TIME before writing is allowed.
 */

// `nowUs`: integer microseconds (exact in a double until year 2255); `now`: the same in ms.
const NOW = `
local t = redis.call('TIME')
local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = nowUs / 1000
`;

const RELATIVE_EPSILON = 1e-9;
const EXPIRY_MARGIN_MS = 1000;

/**
 * A bucket is the string "<atUs>:<usedMs>", TAT = at + used (why a pair: see gcra.ts). `used` is
 * TAT - now at this moment, 0 for a missing key; a clock that stepped back counts as no time passing.
 */
const READ_USED = `
local used = 0
local raw = redis.call('GET', KEYS[1])
if raw then
  local atUs, storedUsed = string.match(raw, '^(%d+):(.+)$')
  local elapsed = (nowUs - tonumber(atUs)) / 1000
  if elapsed < 0 then elapsed = 0 end
  used = tonumber(storedUsed) - elapsed
  if used < 0 then used = 0 end
end
`;

const WRITE_USED = (variable: string): string =>
  `redis.call('SET', KEYS[1], string.format('%.0f:%.17g', nowUs, ${variable}),
    'PX', math.ceil(${variable}) + ${EXPIRY_MARGIN_MS})`;

/** KEYS[1] bucket; ARGV cost, limit, windowMs -> {allowed, remaining, resetMs, retryAfterMs}. */
export const CONSUME_LUA = `${NOW}${READ_USED}
local cost = tonumber(ARGV[1])
local window = tonumber(ARGV[3])
local interval = window / tonumber(ARGV[2])
local ceiling = window * (1 + ${RELATIVE_EPSILON})
local usedAfter = used + cost * interval
if usedAfter <= ceiling then
  ${WRITE_USED('usedAfter')}
  return {1, math.floor((ceiling - usedAfter) / interval), math.ceil(usedAfter), 0}
end
return {0, 0, math.ceil(used), math.ceil(usedAfter - window)}
`;

/** KEYS[1] bucket; ARGV cost, limit, windowMs. Never makes the bucket fuller than unused. */
export const REFUND_LUA = `${NOW}${READ_USED}
local usedAfter = used - tonumber(ARGV[1]) * (tonumber(ARGV[3]) / tonumber(ARGV[2]))
if usedAfter > 0 then
  ${WRITE_USED('usedAfter')}
else
  redis.call('DEL', KEYS[1])
end
return 1
`;

/**
 * KEYS[1] sorted set of leaseIds scored by expiry; ARGV limit, leaseMs, leaseId -> 1 | 0.
 * Expired leases are dropped first, so a crashed holder frees its slot after leaseMs.
 */
export const ACQUIRE_LUA = `${NOW}
local limit = tonumber(ARGV[1])
local leaseMs = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.17g', now))
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], string.format('%.17g', now + leaseMs), ARGV[3])
local ttl = math.ceil(leaseMs) + ${EXPIRY_MARGIN_MS}
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`;
