/**
 * Concurrent-stream slots, each with its own expiry. A slot is taken when a stream starts, renewed by a
 * heartbeat while it runs and given back when it ends. Invariants, for both stores:
 * - a key never holds more than `max` live slots (the check and the take are one atomic step);
 * - a slot nobody renews frees itself once its expiry passes, so slots held by a crashed process come back
 *   within one TTL instead of blocking the user until a whole-key expiry;
 * - release is by slot id and idempotent; releasing an unknown or expired slot changes nothing;
 * - an expired slot stays dead: a late heartbeat cannot revive it (its place may already be taken).
 *
 * The Redis store keeps one sorted set per key (member = slot id, score = expiry in epoch ms) and reads time
 * from the Redis server (`TIME` in Lua), so the clocks of the API processes never matter.
 */
import type { Redis } from 'ioredis'

export type SlotAcquireResult = { ok: true } | { ok: false; retryAfterMs: number }

export interface StreamSlotStore {
  /** Take slot `slotId` of `key` for `ttlMs` if fewer than `max` live slots exist. */
  acquire(key: string, slotId: string, max: number, ttlMs: number): Promise<SlotAcquireResult>
  /** Push a live slot's expiry to now + `ttlMs`; false when the slot is gone (released or expired). */
  heartbeat(key: string, slotId: string, ttlMs: number): Promise<boolean>
  /** Give a slot back; harmless when it is already gone. */
  release(key: string, slotId: string): Promise<void>
}

/**
 * In-process slots on the monotonic clock (immune to wall-clock jumps).
 *
 * @example
 * ```ts
 * const slots = createMemorySlotStore()
 * const taken = await slots.acquire('user:1', randomUUID(), 3, 60_000)
 * ```
 */
export function createMemorySlotStore(options: { now?: () => number } = {}): StreamSlotStore {
  const now = options.now ?? (() => performance.now())
  // key -> slot id -> expiry. A key's map is deleted when it empties, so released keys leave nothing behind.
  const keys = new Map<string, Map<string, number>>()
  const live = (key: string, at: number): Map<string, number> | undefined => {
    const slots = keys.get(key)
    if (!slots) return undefined
    for (const [id, expiry] of slots) if (expiry <= at) slots.delete(id)
    if (slots.size === 0) {
      keys.delete(key)
      return undefined
    }
    return slots
  }
  return {
    async acquire(key, slotId, max, ttlMs) {
      const at = now()
      const slots = live(key, at) ?? new Map<string, number>()
      if (slots.size >= max) return { ok: false, retryAfterMs: Math.min(...slots.values()) - at }
      slots.set(slotId, at + ttlMs)
      keys.set(key, slots)
      return { ok: true }
    },
    async heartbeat(key, slotId, ttlMs) {
      const at = now()
      const slots = live(key, at)
      if (!slots?.has(slotId)) return false
      slots.set(slotId, at + ttlMs)
      return true
    },
    async release(key, slotId) {
      const slots = keys.get(key)
      if (!slots) return
      slots.delete(slotId)
      if (slots.size === 0) keys.delete(key)
    },
  }
}

// Shared prologue: the server's clock in ms, and drop the slots that expired.
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
`
// The key lives exactly as long as its longest-lived slot, so an abandoned key disappears on its own.
const EXPIRE_KEY = `
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', KEYS[1], last[2]) end
`
/** KEYS[1] = set; ARGV = slot id, max, ttl ms. Returns {1, 0} when taken, else {0, ms until a slot expires}. */
const ACQUIRE = `${NOW}
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  ${EXPIRE_KEY}
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(first[2]) - now}
`
/** KEYS[1] = set; ARGV = slot id, ttl ms. Returns 1 when renewed, 0 when the slot is gone. */
const HEARTBEAT = `${NOW}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
${EXPIRE_KEY}
return 1
`

interface SlotCommands {
  tenxStreamSlotAcquire(key: string, slotId: string, max: number, ttlMs: number): Promise<[number, number]>
  tenxStreamSlotHeartbeat(key: string, slotId: string, ttlMs: number): Promise<number>
}

/**
 * Slots shared by every process using the same Redis and prefix. Commands fail (reject) when Redis is
 * unreachable; the caller decides the fallback.
 *
 * @example
 * ```ts
 * const slots = createRedisSlotStore(new Redis(url), '10x-api:stream-slots')
 * const taken = await slots.acquire('user:1', randomUUID(), 3, 60_000)
 * ```
 */
export function createRedisSlotStore(redis: Redis, keyPrefix: string): StreamSlotStore {
  // defineCommand runs the scripts by EVALSHA, loading them once per connection; redefining is harmless.
  redis.defineCommand('tenxStreamSlotAcquire', { numberOfKeys: 1, lua: ACQUIRE })
  redis.defineCommand('tenxStreamSlotHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT })
  const commands = redis as unknown as SlotCommands
  const keyOf = (key: string) => `${keyPrefix}:${key}`
  return {
    async acquire(key, slotId, max, ttlMs) {
      const [taken, retryAfterMs] = await commands.tenxStreamSlotAcquire(keyOf(key), slotId, max, ttlMs)
      return taken === 1 ? { ok: true } : { ok: false, retryAfterMs }
    },
    async heartbeat(key, slotId, ttlMs) {
      return (await commands.tenxStreamSlotHeartbeat(keyOf(key), slotId, ttlMs)) === 1
    },
    async release(key, slotId) {
      await redis.zrem(keyOf(key), slotId)
    },
  }
}
