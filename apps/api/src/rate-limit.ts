/**
 * Per-user limits: requests per minute with `rate-limiter-flexible`, and concurrent streams as slots with
 * their own expiry (see stream-slots.ts), renewed by a heartbeat while the stream runs. In memory by default;
 * on Redis when a client is given, so several API processes share the limits. A Redis outage falls back to
 * in-memory limits instead of failing every request.
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible'
import { createMemorySlotStore, createRedisSlotStore, type StreamSlotStore } from './stream-slots'

export interface RateLimitDecision {
  allowed: boolean
  /** Seconds to wait before retrying (when refused). */
  retryAfterSeconds: number
}

export interface RateLimiter {
  /** Count one request of `key` against the per-minute budget. */
  consumeRequest(key: string): Promise<RateLimitDecision>
  /**
   * Take one of `key`'s concurrent-stream slots. On success the slot is renewed in the background until
   * `release` is called when the stream ends (idempotent, so a double call is harmless); a slot that is never
   * released (the process died) frees itself after `streamSlotTtlMs`.
   */
  acquireStream(key: string): Promise<RateLimitDecision & { release: () => Promise<void> }>
}

export interface RateLimiterOptions {
  requestsPerMinute: number
  maxConcurrentStreams: number
  /** Shared store; omit for in-process limits. */
  redis?: Redis | undefined
  /** Key prefix in Redis, so apps sharing a Redis do not share counters. */
  keyPrefix?: string
  /**
   * Lifetime of a stream slot nobody renews (ms): slots of a crashed process free themselves after this
   * long. Open streams renew theirs, so it need not cover the longest stream. Default 60 000.
   */
  streamSlotTtlMs?: number
  /**
   * How often an open stream renews its slot (ms). Default a third of the TTL, so a missed beat (Redis briefly
   * away, a stalled event loop) is survived. 0 never renews: tests use it to play a process that died holding slots.
   */
  streamSlotHeartbeatMs?: number
}

/**
 * @example
 * ```ts
 * const limiter = createRateLimiter({ requestsPerMinute: 60, maxConcurrentStreams: 3, redis })
 * const { allowed, retryAfterSeconds } = await limiter.consumeRequest(userId)
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const prefix = options.keyPrefix ?? '10x-api'
  const slotTtlMs = options.streamSlotTtlMs ?? 60_000
  const heartbeatMs = options.streamSlotHeartbeatMs ?? Math.floor(slotTtlMs / 3)
  if (!Number.isSafeInteger(options.maxConcurrentStreams) || options.maxConcurrentStreams < 1)
    throw new RangeError('maxConcurrentStreams must be a whole number >= 1')
  if (!Number.isSafeInteger(slotTtlMs) || slotTtlMs < 10)
    throw new RangeError('streamSlotTtlMs must be a whole number of ms >= 10')
  if (!Number.isSafeInteger(heartbeatMs) || heartbeatMs < 0 || heartbeatMs >= slotTtlMs)
    throw new RangeError('streamSlotHeartbeatMs must be a whole number of ms, 0 <= beat < streamSlotTtlMs')
  const make = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration })
    if (!options.redis) return memory
    return new RateLimiterRedis({
      storeClient: options.redis,
      keyPrefix,
      points,
      duration,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    })
  }
  const requests = make(`${prefix}:rpm`, options.requestsPerMinute, 60)
  const memorySlots = createMemorySlotStore()
  // A new key name: the former rate-limiter-flexible counter at `${prefix}:streams:*` is a string, not a set.
  const redisSlots = options.redis ? createRedisSlotStore(options.redis, `${prefix}:stream-slots`) : undefined

  /** Redis when it answers, else the in-process store (the same fallback as the request limiter). */
  const take = async (key: string, slotId: string) => {
    if (redisSlots && options.redis?.status === 'ready') {
      try {
        const result = await redisSlots.acquire(key, slotId, options.maxConcurrentStreams, slotTtlMs)
        return { store: redisSlots, result }
      } catch {
        // Fall through to memory.
      }
    }
    const result = await memorySlots.acquire(key, slotId, options.maxConcurrentStreams, slotTtlMs)
    return { store: memorySlots as StreamSlotStore, result }
  }

  return {
    async consumeRequest(key) {
      try {
        await requests.consume(key, 1)
        return { allowed: true, retryAfterSeconds: 0 }
      } catch (err) {
        return { allowed: false, retryAfterSeconds: retryAfter(err) }
      }
    },
    async acquireStream(key) {
      const slotId = randomUUID()
      const { store, result } = await take(key, slotId)
      if (!result.ok) {
        // When the oldest slot runs out if nobody renews it: the latest a slot is sure to come back, even if
        // its holder died (a live holder may end its stream sooner).
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(result.retryAfterMs / 1000)),
          release: async () => {},
        }
      }
      // A failed beat (Redis briefly away) is retried on the next one; the slot survives two misses.
      const beat =
        heartbeatMs > 0
          ? setInterval(() => store.heartbeat(key, slotId, slotTtlMs).catch(() => {}), heartbeatMs)
          : undefined
      beat?.unref()
      let released = false
      return {
        allowed: true,
        retryAfterSeconds: 0,
        release: async () => {
          if (released) return
          released = true
          clearInterval(beat)
          // If Redis is away the slot is left to expire on its own within one TTL.
          await store.release(key, slotId).catch(() => {})
        },
      }
    },
  }
}

function retryAfter(err: unknown): number {
  if (err instanceof RateLimiterRes) return Math.max(1, Math.ceil(err.msBeforeNext / 1000))
  // The store failed and so did the insurance limiter: refuse briefly rather than let traffic through unmetered.
  return 1
}
