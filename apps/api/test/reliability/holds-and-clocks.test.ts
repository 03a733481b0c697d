/**
 * Hold expiry under concurrency: two sweepers (two API processes) at once, settlements racing their hold's
 * expiry, and an application clock skewed by an hour. Expiry follows the database clock only.
 */
import { sql } from '@10xstudent/database'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeGemini, marker, startFakeGemini } from './fake-gemini'
import {
  type ApiProcess,
  CLOCK_SKEW_PRELOAD,
  checkInvariants,
  createReliabilityDb,
  eventually,
  type Json,
  parseSse,
  pgUrl,
  postChat,
  type ReliabilityDb,
  readRest,
  readUntilFirstText,
  sleep,
  startApi,
  stopAll,
} from './harness'

const rows = async (rdb: ReliabilityDb, query: ReturnType<typeof sql>) =>
  (await rdb.owner.execute(query)).rows as Json[]

describe.skipIf(!pgUrl)('holds, sweepers and clocks', () => {
  let rdb: ReliabilityDb
  let gemini: FakeGemini

  beforeAll(async () => {
    // Holds made directly through the ledger here expire after 1 s (by the database clock).
    rdb = await createReliabilityDb({ holdTtlMs: 1000 })
    gemini = await startFakeGemini()
  })
  afterAll(async () => {
    await stopAll()
    await gemini?.close()
    await rdb?.drop()
  })

  it('two sweepers at once expire each of 300 holds exactly once', async () => {
    const users = await Promise.all(Array.from({ length: 30 }, () => rdb.user(100)))
    await Promise.all(
      users.map(async (u, j) => {
        for (let i = j; i < 300; i += users.length)
          await rdb.ledger.reserve({
            userId: u.userId,
            amount: 3,
            idempotencyKey: `sweep-race:${i}`,
            runId: `sweep_run_${i}`,
          })
      }),
    )
    const env = { SWEEP_INTERVAL_MS: '20' }
    const [a, b] = await Promise.all([startApi(rdb.appUrl, { env }), startApi(rdb.appUrl, { env })])
    await eventually(async () => {
      const r = await rows(
        rdb,
        sql`select count(*)::int as n from credit_holds where status = 'active' and run_id like 'sweep_run_%'`,
      )
      return r[0]!.n === 0 ? true : undefined
    }, 20_000)
    const expires = await rows(
      rdb,
      sql`select hold_id, count(*)::int as n from credit_logs where kind = 'expire' and run_id like 'sweep_run_%' group by hold_id`,
    )
    expect(expires).toHaveLength(300)
    expect(expires.every((e) => e.n === 1)).toBe(true)
    const balances = await rows(
      rdb,
      sql`select credits::int as c from users u
          where exists (select 1 from credit_holds h where h.user_id = u.id and h.run_id like 'sweep_run_%')`,
    )
    expect(balances).toHaveLength(users.length)
    expect(balances.every((r) => r.c === 100)).toBe(true)
    // Both processes swept (or tried to): SKIP LOCKED let them share the work without waiting on each other.
    const swept = (p: ApiProcess) =>
      p
        .logs()
        .filter((l) => l.msg === 'Expired credit holds swept')
        .reduce((n, l) => n + Number(l.expired), 0)
    await eventually(async () => (swept(a) + swept(b) === 300 ? true : undefined))
    await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')])
    await checkInvariants(rdb.owner)
  })

  it('settlements racing their hold expiry: every run charged exactly once, either way', async () => {
    // Streams shorter and longer than the 1 s TTL: some runs settle first, others lose the hold to the
    // sweeper and fall back to a direct charge with their own key.
    const api = await startApi(rdb.appUrl, {
      env: { HOLD_TTL_MS: '1000', SWEEP_INTERVAL_MS: '25', DEMO_CHUNK_DELAY_MS: '25' },
    })
    const u = await rdb.user(10_000)
    const results = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        await sleep(i * 40)
        const res = await postChat(api.url, u, {
          messages: [{ role: 'user', content: `race ${i}` }],
          // Output cap 10..79 tokens at 25 ms each: streams of 0.25-2 s around the 1 s TTL.
          maxTokens: 10 + i * 3,
        })
        const runId = res.headers.get('x-run-id')!
        parseSse(await res.text())
        return runId
      }),
    )
    await sleep(300)
    await eventually(async () => {
      const r = await rows(
        rdb,
        sql`select count(*)::int as n from credit_holds where user_id = ${u.userId} and status = 'active'`,
      )
      return r[0]!.n === 0 ? true : undefined
    })
    const outcome = await rows(
      rdb,
      sql`select h.run_id, h.status,
            count(*) filter (where l.kind = 'settle')::int as settles,
            count(*) filter (where l.kind = 'charge' and l.idempotency_key = 'charge:' || h.run_id)::int as fallbacks
          from credit_holds h left join credit_logs l on l.run_id = h.run_id
          where h.user_id = ${u.userId} group by h.run_id, h.status`,
    )
    expect(outcome).toHaveLength(results.length)
    // Both sides of the race happened.
    expect(new Set(outcome.map((o) => o.status))).toEqual(new Set(['settled', 'expired']))
    for (const o of outcome) {
      if (o.status === 'settled') expect([o.settles, o.fallbacks]).toEqual([1, 0])
      else {
        expect(o.status).toBe('expired')
        expect([o.settles, o.fallbacks]).toEqual([0, 1])
      }
    }
    await api.kill('SIGTERM')
    await checkInvariants(rdb.owner)
  })

  it.each([
    ['+1 hour', 3_600_000],
    ['-1 hour', -3_600_000],
  ])('application clock skewed by %s: expiry follows the database clock', async (_label, skew) => {
    gemini.closeGate()
    const api = await startApi(rdb.appUrl, {
      preload: [CLOCK_SKEW_PRELOAD],
      env: {
        CLOCK_SKEW_MS: String(skew),
        HOLD_TTL_MS: '60000',
        SWEEP_INTERVAL_MS: '50',
        GEMINI_API_KEY: 'fake-gemini-key',
        GEMINI_BASE_URL: gemini.url,
      },
    })
    // The shim works: the process's own log timestamps are off by the skew.
    const logTime = Number(api.logs().find((l) => l.msg === 'API listening')?.time)
    expect(Math.abs(logTime - Date.now() - skew)).toBeLessThan(60_000)

    const u = await rdb.user(1000)
    const res = await postChat(api.url, u, {
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: `skewed ${marker('gate')}` }],
    })
    const runId = res.headers.get('x-run-id')!
    const { text, reader } = await readUntilFirstText(res)
    const [hold] = await rows(
      rdb,
      sql`select status, extract(epoch from (expires_at - now()))::float8 as left_s from credit_holds where run_id = ${runId}`,
    )
    // now() + HOLD_TTL_MS by the database clock, not the application's (which would be 1 h off).
    expect(hold!.left_s).toBeGreaterThan(50)
    expect(hold!.left_s).toBeLessThanOrEqual(60)
    await sleep(400) // several sweeps pass
    const [still] = await rows(rdb, sql`select status from credit_holds where run_id = ${runId}`)
    expect(still!.status).toBe('active')

    gemini.openGate()
    await readRest(reader, text)
    const [after] = await eventually(async () => {
      const r = await rows(rdb, sql`select status from credit_holds where run_id = ${runId}`)
      return r[0]!.status !== 'active' ? r : undefined
    })
    expect(after!.status).toBe('settled')
    await api.kill('SIGTERM')
    await checkInvariants(rdb.owner)
  })
})
