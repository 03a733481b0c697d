/**
 * Per-user limits with `rate-limiter-flexible`: requests per minute and concurrent streams. In memory by
 * default; on Redis when a client is given, so several API processes share the limits. A Redis outage falls
 * back to an in-memory insurance limiter instead of failing every request.
 */
import type { Redis } from 'ioredis'
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible'

export interface RateLimitDecision {
  allowed: boolean
  /** Seconds to wait before retrying (when refused). */
  retryAfterSeconds: number
}

export interface RateLimiter {
  /** Count one request of `key` against the per-minute budget. */
  consumeRequest(key: string): Promise<RateLimitDecision>
  /**
   * Take one of `key`'s concurrent-stream slots. On success `release` must be called exactly once when the
   * stream ends (it is idempotent, so a double call is harmless).
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
   * Safety valve for the concurrency counter: a slot leaked by a crashed process is forgotten after this long.
   * Keep it above the longest stream (the provider timeout). Default one hour.
   */
  streamSlotTtlSeconds?: number
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
  const slotTtl = options.streamSlotTtlSeconds ?? 3600
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
  const streams = make(`${prefix}:streams`, options.maxConcurrentStreams, slotTtl)

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
      try {
        await streams.consume(key, 1)
      } catch (err) {
        // A refused consume still counted its point: give it back so refusals never eat slots.
        if (err instanceof RateLimiterRes) await streams.reward(key, 1).catch(() => {})
        return { allowed: false, retryAfterSeconds: 1, release: async () => {} }
      }
      let released = false
      return {
        allowed: true,
        retryAfterSeconds: 0,
        release: async () => {
          if (released) return
          released = true
          await streams.reward(key, 1).catch(() => {})
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
