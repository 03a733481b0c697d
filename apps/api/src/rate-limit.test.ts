import { Redis } from 'ioredis'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createRateLimiter, type RateLimiter, type RateLimiterOptions } from './rate-limit'

const redisUrl = process.env.TEST_REDIS_URL || process.env.REDIS_URL || 'redis://127.0.0.1:6379'
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Connect once; in CI an unreachable Redis fails the file, locally it skips the Redis half with a warning. */
async function connectRedis(): Promise<Redis | undefined> {
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  })
  try {
    await client.connect()
    await client.ping()
    return client
  } catch (err) {
    client.disconnect()
    if (process.env.CI)
      throw new Error(`Redis at ${redisUrl} is unreachable (required in CI): ${String(err)}`)
    console.warn(`Redis at ${redisUrl} is unreachable: skipping the Redis rate-limit tests`)
    return undefined
  }
}
const redis = await connectRedis()
afterAll(() => redis?.disconnect())

describe('requests per minute (rate-limiter-flexible)', () => {
  it('allows RATE_LIMIT_RPM requests a minute per key, then refuses with a retry delay', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 3, maxConcurrentStreams: 1 })
    const results = []
    for (let i = 0; i < 4; i++) results.push(await limiter.consumeRequest('u1'))
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false])
    expect(results[3]?.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(results[3]?.retryAfterSeconds).toBeLessThanOrEqual(60)
    expect((await limiter.consumeRequest('u2')).allowed).toBe(true)
  })
})

describe('bad limiter options are refused', () => {
  it.each<[string, Partial<RateLimiterOptions>]>([
    ['zero streams', { maxConcurrentStreams: 0 }],
    ['fractional streams', { maxConcurrentStreams: 1.5 }],
    ['NaN TTL', { streamSlotTtlMs: Number.NaN }],
    ['zero TTL', { streamSlotTtlMs: 0 }],
    ['negative TTL', { streamSlotTtlMs: -1000 }],
    ['fractional TTL', { streamSlotTtlMs: 1000.5 }],
    ['heartbeat not shorter than the TTL', { streamSlotTtlMs: 1000, streamSlotHeartbeatMs: 1000 }],
    ['negative heartbeat', { streamSlotHeartbeatMs: -1 }],
    ['infinite heartbeat', { streamSlotHeartbeatMs: Number.POSITIVE_INFINITY }],
  ])('%s', (_, bad) => {
    expect(() => createRateLimiter({ requestsPerMinute: 1, maxConcurrentStreams: 1, ...bad })).toThrow(
      RangeError,
    )
  })
})

let prefixes = 0
const backends: Array<[string, (o: Partial<RateLimiterOptions>, prefix: string) => RateLimiter]> = [
  ['memory', (o) => createRateLimiter({ requestsPerMinute: 1000, maxConcurrentStreams: 3, ...o })],
]
if (redis) {
  backends.push([
    'Redis',
    (o, prefix) =>
      createRateLimiter({ requestsPerMinute: 1000, maxConcurrentStreams: 3, redis, keyPrefix: prefix, ...o }),
  ])
}

describe.each(backends)('stream slots (%s)', (_, build) => {
  // A fresh key prefix per test, deleted afterwards: tests never see each other's slots.
  let prefix = ''
  const limiter = (o: Partial<RateLimiterOptions> = {}) => {
    prefix ||= `test-slots-${process.pid}-${Date.now().toString(36)}-${prefixes++}`
    return build(o, prefix)
  }
  afterEach(async () => {
    if (redis && prefix) {
      const keys = await redis.keys(`${prefix}:*`)
      if (keys.length > 0) await redis.del(...keys)
    }
    prefix = ''
  })

  it('50 parallel acquires with a limit of 3 admit exactly 3', async () => {
    const l = limiter()
    const results = await Promise.all(Array.from({ length: 50 }, () => l.acquireStream('u')))
    expect(results.filter((r) => r.allowed)).toHaveLength(3)
    for (const r of results.filter((r) => !r.allowed)) expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    await Promise.all(results.map((r) => r.release()))
    expect((await l.acquireStream('u')).allowed).toBe(true)
  })

  it('a release frees exactly one slot; a double release and a refused slot free nothing', async () => {
    const l = limiter({ maxConcurrentStreams: 2 })
    const a = await l.acquireStream('u')
    const b = await l.acquireStream('u')
    const refused = await l.acquireStream('u')
    expect([a.allowed, b.allowed, refused.allowed]).toEqual([true, true, false])
    await refused.release()
    expect((await l.acquireStream('u')).allowed).toBe(false)
    await a.release()
    await a.release()
    const c = await l.acquireStream('u')
    const d = await l.acquireStream('u')
    expect([c.allowed, d.allowed]).toEqual([true, false])
    await Promise.all([b.release(), c.release()])
  })

  it('keys are independent', async () => {
    const l = limiter({ maxConcurrentStreams: 1 })
    const a = await l.acquireStream('u1')
    const b = await l.acquireStream('u2')
    expect([a.allowed, b.allowed]).toEqual([true, true])
    await Promise.all([a.release(), b.release()])
  })

  it('an abandoned slot (no release, no heartbeat) frees itself after its TTL', async () => {
    const l = limiter({ maxConcurrentStreams: 1, streamSlotTtlMs: 300, streamSlotHeartbeatMs: 0 })
    expect((await l.acquireStream('u')).allowed).toBe(true)
    const refused = await l.acquireStream('u')
    expect(refused.allowed).toBe(false)
    // Retry-After: when the abandoned slot is sure to be free (300 ms, rounded up to a whole second).
    expect(refused.retryAfterSeconds).toBe(1)
    await sleep(400)
    const again = await l.acquireStream('u')
    expect(again.allowed).toBe(true)
    await again.release()
  })

  it('Retry-After is the time until the oldest slot expires, in whole seconds', async () => {
    const l = limiter({ maxConcurrentStreams: 1, streamSlotTtlMs: 5000 })
    const held = await l.acquireStream('u')
    const refused = await l.acquireStream('u')
    expect(refused.allowed).toBe(false)
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(4)
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(5)
    await held.release()
  })

  it('the heartbeat keeps an open stream’s slot alive well past its TTL', async () => {
    const l = limiter({ maxConcurrentStreams: 1, streamSlotTtlMs: 300 })
    const held = await l.acquireStream('u')
    expect(held.allowed).toBe(true)
    await sleep(800)
    expect((await l.acquireStream('u')).allowed).toBe(false)
    await held.release()
    // Released: no heartbeat revives it.
    await sleep(250)
    const next = await l.acquireStream('u')
    expect(next.allowed).toBe(true)
    await next.release()
  })
})

describe.skipIf(!redis)('stream slots shared through Redis', () => {
  const prefixesUsed: string[] = []
  const fresh = () => {
    const prefix = `test-shared-${process.pid}-${Date.now().toString(36)}-${prefixes++}`
    prefixesUsed.push(prefix)
    return prefix
  }
  afterEach(async () => {
    for (const prefix of prefixesUsed.splice(0)) {
      const keys = await redis!.keys(`${prefix}:*`)
      if (keys.length > 0) await redis!.del(...keys)
    }
  })
  const two = (prefix: string, o: Partial<RateLimiterOptions> = {}) =>
    [0, 1].map(() =>
      createRateLimiter({ requestsPerMinute: 2, maxConcurrentStreams: 3, redis, keyPrefix: prefix, ...o }),
    ) as [RateLimiter, RateLimiter]

  it('two limiters (two processes) share the request budget and the stream limit', async () => {
    const [one, other] = two(fresh(), { maxConcurrentStreams: 1 })
    expect((await one.consumeRequest('u')).allowed).toBe(true)
    expect((await other.consumeRequest('u')).allowed).toBe(true)
    expect((await one.consumeRequest('u')).allowed).toBe(false)
    const slot = await one.acquireStream('u')
    expect(slot.allowed).toBe(true)
    expect((await other.acquireStream('u')).allowed).toBe(false)
    await slot.release()
    const taken = await other.acquireStream('u')
    expect(taken.allowed).toBe(true)
    await taken.release()
  })

  it('50 parallel acquires split across two limiters admit exactly 3', async () => {
    const pair = two(fresh())
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => pair[i % 2]!.acquireStream('u')))
    expect(results.filter((r) => r.allowed)).toHaveLength(3)
    await Promise.all(results.map((r) => r.release()))
  })

  it('a dead process’s slots free themselves while a live one keeps its own', async () => {
    const prefix = fresh()
    const crashed = createRateLimiter({
      requestsPerMinute: 10,
      maxConcurrentStreams: 3,
      redis,
      keyPrefix: prefix,
      streamSlotTtlMs: 300,
      streamSlotHeartbeatMs: 0,
    })
    const [live] = two(prefix, { streamSlotTtlMs: 300 })
    const dead = [await crashed.acquireStream('u'), await crashed.acquireStream('u')]
    const alive = await live.acquireStream('u')
    expect([...dead, alive].every((s) => s.allowed)).toBe(true)
    expect((await live.acquireStream('u')).allowed).toBe(false)
    await sleep(700)
    // The two abandoned slots are gone, the renewed one is not: exactly two fit again.
    const after = await Promise.all([0, 1, 2].map(() => live.acquireStream('u')))
    expect(after.map((s) => s.allowed).sort()).toEqual([false, true, true])
    await Promise.all([alive, ...after].map((s) => s.release()))
  })

  it('slots carry expiries by the Redis clock, the key lives no longer than its longest slot, and goes with the last release', async () => {
    const prefix = fresh()
    const [l] = two(prefix, { streamSlotTtlMs: 60_000 })
    const slot = await l.acquireStream('u')
    const key = `${prefix}:stream-slots:u`
    const [seconds, micros] = await redis!.time()
    const serverNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
    const [, score] = await redis!.zrange(key, 0, -1, 'WITHSCORES')
    expect(Number(score) - serverNow).toBeGreaterThan(59_000)
    expect(Number(score) - serverNow).toBeLessThanOrEqual(60_000)
    const pttl = await redis!.pttl(key)
    expect(pttl).toBeGreaterThan(59_000)
    expect(pttl).toBeLessThanOrEqual(60_000)
    await slot.release()
    expect(await redis!.exists(key)).toBe(0)
  })

  it('with Redis not ready, slots fall back to in-process limits', async () => {
    // Never connected: status "wait", so every command would fail.
    const offline = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false })
    try {
      const l = createRateLimiter({
        requestsPerMinute: 10,
        maxConcurrentStreams: 2,
        redis: offline,
        keyPrefix: fresh(),
      })
      const results = await Promise.all([0, 1, 2].map(() => l.acquireStream('u')))
      expect(results.map((r) => r.allowed)).toEqual([true, true, false])
      await results[0]!.release()
      expect((await l.acquireStream('u')).allowed).toBe(true)
    } finally {
      offline.disconnect()
    }
  })
})
