import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRateLimiter } from './rate-limit'

const redisUrl = process.env.REDIS_URL ?? (process.env.CI ? 'redis://127.0.0.1:6379' : undefined)

describe('in-memory limits', () => {
  it('allows RATE_LIMIT_RPM requests a minute per key, then refuses with a retry delay', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 3, maxConcurrentStreams: 1 })
    const results = []
    for (let i = 0; i < 4; i++) results.push(await limiter.consumeRequest('u1'))
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false])
    expect(results[3]?.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(results[3]?.retryAfterSeconds).toBeLessThanOrEqual(60)
    expect((await limiter.consumeRequest('u2')).allowed).toBe(true)
  })

  it('counts concurrent streams and frees a slot on release (once, even if released twice)', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 100, maxConcurrentStreams: 2 })
    const a = await limiter.acquireStream('u')
    const b = await limiter.acquireStream('u')
    const refused = await limiter.acquireStream('u')
    expect([a.allowed, b.allowed, refused.allowed]).toEqual([true, true, false])
    // A refusal must not eat a slot: after one release exactly one more stream fits.
    await a.release()
    await a.release()
    const c = await limiter.acquireStream('u')
    const d = await limiter.acquireStream('u')
    expect([c.allowed, d.allowed]).toEqual([true, false])
  })
})

describe.skipIf(!redisUrl)('Redis-backed limits shared by two processes', () => {
  const redis = redisUrl ? new Redis(redisUrl) : undefined
  // Until the client is ready the limiter uses its in-memory insurance limiter, by design.
  beforeAll(async () => {
    await redis?.ping()
  })
  afterAll(() => redis?.disconnect())

  it('two limiters on one Redis share the budget', async () => {
    const prefix = `test-${Math.random().toString(36).slice(2)}`
    const one = createRateLimiter({ requestsPerMinute: 2, maxConcurrentStreams: 1, redis, keyPrefix: prefix })
    const two = createRateLimiter({ requestsPerMinute: 2, maxConcurrentStreams: 1, redis, keyPrefix: prefix })
    expect((await one.consumeRequest('u')).allowed).toBe(true)
    expect((await two.consumeRequest('u')).allowed).toBe(true)
    expect((await one.consumeRequest('u')).allowed).toBe(false)
    const slot = await one.acquireStream('u')
    expect(slot.allowed).toBe(true)
    expect((await two.acquireStream('u')).allowed).toBe(false)
    await slot.release()
    expect((await two.acquireStream('u')).allowed).toBe(true)
  })
})
