/**
 * SIGKILL of an API process while a user holds every one of their concurrent-stream slots in Redis. Slots
 * carry their own expiry (STREAM_SLOT_TTL_MS) and open streams renew them, so the dead process's slots free
 * themselves within one TTL: the restarted process lets the user stream again within seconds, not after a
 * whole-key expiry of an hour. The limit still holds afterwards, and open streams keep their slots for longer
 * than the TTL (heartbeat in the real process).
 */
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
  readRest,
  readUntilFirstText,
  redisUrl,
  sleep,
  startApi,
  stopAll,
  type TestUser,
} from './harness'

const MAX_STREAMS = 2
const SLOT_TTL_MS = 1500

describe.skipIf(!pgUrl)('stream slots after a crash (Redis)', () => {
  let rdb: ReliabilityDb
  let gemini: FakeGemini
  let redis: Redis
  const slotKeys: string[] = []

  beforeAll(async () => {
    rdb = await createReliabilityDb()
    gemini = await startFakeGemini()
    redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
    await redis.connect()
  })
  afterAll(async () => {
    await stopAll()
    if (slotKeys.length > 0) await redis?.del(...slotKeys)
    redis?.disconnect()
    await gemini?.close()
    await rdb?.drop()
  })

  const env = () => ({
    GEMINI_API_KEY: 'fake-gemini-key',
    GEMINI_BASE_URL: gemini.url,
    REDIS_URL: redisUrl,
    MAX_CONCURRENT_STREAMS: String(MAX_STREAMS),
    STREAM_SLOT_TTL_MS: String(SLOT_TTL_MS),
  })
  const gated = (text: string) => ({
    model: 'gemini-2.5-flash',
    maxTokens: 200,
    messages: [{ role: 'user', content: `${text} ${marker('gate')}` }],
  })
  /** Until the process counts in Redis (it uses its in-memory fallback while its client connects). */
  const onRedis = async (api: ApiProcess, user: TestUser) =>
    eventually(async () => {
      await fetch(`${api.url}/api/credits`, { headers: user.headers })
      return (await redis.exists(`10x-api:rpm:user:${user.userId}`)) === 1 ? true : undefined
    })
  /** Open a gated stream and read up to its first text chunk; the provider then holds it open. */
  const open = async (api: ApiProcess, user: TestUser, text: string) => {
    const res = await postChat(api.url, user, gated(text))
    expect(res.status).toBe(200)
    return readUntilFirstText(res)
  }

  it('after SIGKILL with every slot taken, a restarted process lets the user stream again within seconds', async () => {
    gemini.closeGate()
    const user = await rdb.user(1000)
    const slotKey = `10x-api:stream-slots:${user.userId}`
    slotKeys.push(slotKey)
    const first = await startApi(rdb.appUrl, { env: env() })
    await onRedis(first, user)

    const held = await Promise.all(Array.from({ length: MAX_STREAMS }, (_, i) => open(first, user, `s${i}`)))
    expect(await redis.zcard(slotKey)).toBe(MAX_STREAMS)
    const refused = await postChat(first.url, user, gated('one too many'))
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as Json).error.code).toBe('rate_limited')

    await first.kill('SIGKILL')
    const killedAt = Date.now()
    for (const h of held) await h.reader.cancel().catch(() => {})
    // The dead process's slots are still in Redis, but the key lives no longer than its longest slot.
    expect(await redis.zcard(slotKey)).toBe(MAX_STREAMS)
    const pttl = await redis.pttl(slotKey)
    expect(pttl).toBeGreaterThan(0)
    expect(pttl).toBeLessThanOrEqual(SLOT_TTL_MS)

    const second = await startApi(rdb.appUrl, { env: env() })
    await onRedis(second, user)
    // The user streams again as soon as the dead slots expire: seconds after the crash, not an hour.
    const again = await eventually(async () => {
      const res = await postChat(second.url, user, gated('after the crash'))
      if (res.status === 200) return res
      expect(res.status).toBe(429)
      await res.body?.cancel()
      await sleep(100)
      return undefined
    }, 15_000)
    const waitedMs = Date.now() - killedAt
    expect(waitedMs).toBeLessThan(15_000)
    const a = await readUntilFirstText(again)
    // The full limit is back (both dead slots expired) and still enforced.
    const b = await open(second, user, 'second after the crash')
    expect(await redis.zcard(slotKey)).toBe(MAX_STREAMS)

    // Open streams outlive their TTL several times over and keep their slots (the heartbeat renews them).
    await sleep(SLOT_TTL_MS * 2.5)
    const stillFull = await postChat(second.url, user, gated('still full'))
    expect(stillFull.status).toBe(429)
    await stillFull.body?.cancel()
    expect(await redis.zcard(slotKey)).toBe(MAX_STREAMS)

    gemini.openGate()
    for (const s of [a, b]) {
      const credits = creditsOf(parseSse(await readRest(s.reader, s.text)))
      expect(credits?.charged).toBeGreaterThan(0)
    }
    // Finished streams give their slots back at once.
    await eventually(async () => ((await redis.exists(slotKey)) === 0 ? true : undefined))
    await checkInvariants(rdb.owner)
  })
})
