/**
 * Two API processes sharing one PostgreSQL and one Redis (REDIS_URL): a burst split across both admits no
 * more chats than the balance covers (the ledger's guarded reserve decides, not either process), and the
 * per-user concurrent-stream limit holds across both (stream slots in a Redis sorted set).
 */
import { sql } from '@10xstudent/database'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeGemini, marker, startFakeGemini } from './fake-gemini'
import {
  type ApiProcess,
  checkInvariants,
  createReliabilityDb,
  creditsOf,
  eventually,
  type Json,
  parseSse,
  pgUrl,
  postChat,
  type ReliabilityDb,
  redisUrl,
  sleep,
  startApi,
  stopAll,
} from './harness'

describe.skipIf(!pgUrl)('two API processes, one PostgreSQL, one Redis', () => {
  let rdb: ReliabilityDb
  let gemini: FakeGemini
  let a: ApiProcess
  let b: ApiProcess
  let redis: Redis

  beforeAll(async () => {
    rdb = await createReliabilityDb()
    gemini = await startFakeGemini()
    redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
    await redis.connect()
    const env = {
      GEMINI_API_KEY: 'fake-gemini-key',
      GEMINI_BASE_URL: gemini.url,
      REDIS_URL: redisUrl,
      MAX_CONCURRENT_STREAMS: '5',
    }
    ;[a, b] = await Promise.all([startApi(rdb.appUrl, { env }), startApi(rdb.appUrl, { env })])
    // Both processes must count in Redis (not their in-memory fallback) before the bursts: one request to each
    // must show up as 2 points on the same Redis key.
    const warm = await rdb.user(0)
    await eventually(async () => {
      await Promise.all([a, b].map((p) => fetch(`${p.url}/api/credits`, { headers: warm.headers })))
      const used = Number(await redis.get(`10x-api:rpm:user:${warm.userId}`))
      if (used >= 2 && used % 2 === 0) return true
      await sleep(100)
      return undefined
    })
  })
  afterAll(async () => {
    await stopAll()
    redis?.disconnect()
    await gemini?.close()
    await rdb?.drop()
  })

  const gated = (text: string) => ({
    model: 'gemini-2.5-flash',
    maxTokens: 1000,
    messages: [{ role: 'user', content: `${text} ${marker('gate')}` }],
  })

  it('a burst split across both processes admits no more than the balance covers', async () => {
    gemini.closeGate()
    const before = gemini.counts.get('gate') ?? 0
    // Each chat reserves 3 credits (2.5 for 1000 output tokens + the prompt, rounded up): 9 cover three, fewer
    // than the shared stream limit of 5, so the balance is the bound.
    const u = await rdb.user(9)
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => postChat((i % 2 === 0 ? a : b).url, u, gated(`burst ${i}`))),
    )
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(3)
    // The rest: 402 (balance) or 429 (the shared stream limit, while slot holders were still reserving).
    expect(statuses.every((s) => s === 200 || s === 402 || s === 429)).toBe(true)
    expect(statuses.filter((s) => s === 402).length).toBeGreaterThan(0)
    // Both processes served admitted or refused requests, and the provider saw exactly the admitted ones.
    expect((gemini.counts.get('gate') ?? 0) - before).toBe(3)
    const balance = (await rdb.owner.execute(sql`select credits::int as c from users where id = ${u.userId}`))
      .rows[0] as { c: number }
    expect(balance.c).toBe(0)
    gemini.openGate()
    const settled = await Promise.all(
      responses.filter((r) => r.status === 200).map(async (r) => creditsOf(parseSse(await r.text()))!),
    )
    expect(settled).toHaveLength(3)
    await checkInvariants(rdb.owner)
  })

  it('the per-user stream limit holds across both processes', async () => {
    gemini.closeGate()
    const u = await rdb.user(10_000)
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => postChat((i % 2 === 0 ? a : b).url, u, gated(`limit ${i}`))),
    )
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(5)
    const refused = responses.filter((r) => r.status === 429)
    expect(refused).toHaveLength(7)
    for (const r of refused) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(((await r.json()) as Json).error.code).toBe('rate_limited')
    }
    // Refused on both processes: the limit is shared, not per process.
    const servedBy = (i: number) => (i % 2 === 0 ? 'a' : 'b')
    expect(new Set(statuses.map((s, i) => (s === 429 ? servedBy(i) : undefined)).filter(Boolean)).size).toBe(
      2,
    )

    gemini.openGate()
    await Promise.all(responses.filter((r) => r.status === 200).map((r) => r.text()))
    // Slots come back when the streams end, on either process.
    await eventually(async () => {
      const res = await postChat(b.url, u, gated('after'))
      if (res.status !== 200) return undefined
      await res.text()
      return true
    })
    await checkInvariants(rdb.owner)
  })
})
