/**
 * SIGKILL of the API process with 50 chat streams open. Nothing in the process survives, so the holds stay
 * active in PostgreSQL; a fresh process's sweeper resolves every one of them exactly once (expired, full
 * release: a crash never charges a user for a reply they did not receive in full, and never twice), and the
 * ledger invariants I1-I4 hold by SQL.
 */
import { sql } from '@10xstudent/database'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeGemini, marker, startFakeGemini } from './fake-gemini'
import {
  checkInvariants,
  createReliabilityDb,
  creditsOf,
  eventually,
  parseSse,
  pgUrl,
  postChat,
  type ReliabilityDb,
  readUntilFirstText,
  startApi,
  stopAll,
  type TestUser,
} from './harness'

const STREAMS = 50
const USERS = 25
const START = 100

describe.skipIf(!pgUrl)('crash: SIGKILL with open streams', () => {
  let rdb: ReliabilityDb
  let gemini: FakeGemini

  beforeAll(async () => {
    rdb = await createReliabilityDb()
    gemini = await startFakeGemini()
  })
  afterAll(async () => {
    await stopAll()
    await gemini?.close()
    await rdb?.drop()
  })

  it(`${STREAMS} open streams, SIGKILL, restart: the sweeper resolves every hold once; I1-I4 hold`, async () => {
    const env = {
      GEMINI_API_KEY: 'fake-gemini-key',
      GEMINI_BASE_URL: gemini.url,
      HOLD_TTL_MS: '2000',
      SWEEP_INTERVAL_MS: '0',
    }
    const first = await startApi(rdb.appUrl, { env })
    const users: TestUser[] = []
    for (let i = 0; i < USERS; i++) users.push(await rdb.user(START))

    // Open every stream and read its first text chunk: the provider then holds them open (gate never opens).
    const controllers: AbortController[] = []
    const opened = await Promise.all(
      Array.from({ length: STREAMS }, async (_, i) => {
        const controller = new AbortController()
        controllers.push(controller)
        const res = await postChat(
          first.url,
          users[i % USERS]!,
          {
            model: 'gemini-2.5-flash',
            maxTokens: 2000,
            messages: [{ role: 'user', content: `stream ${i} ${marker('gate')}` }],
          },
          { signal: controller.signal },
        )
        expect(res.status).toBe(200)
        const { text, reader } = await readUntilFirstText(res)
        expect(text).toContain('Waiting')
        return reader
      }),
    )
    const active = await rdb.owner.execute(
      sql`select count(*)::int as n from credit_holds where status = 'active'`,
    )
    expect(active.rows[0]).toEqual({ n: STREAMS })
    const heldBefore = (
      await rdb.owner.execute(
        sql`select coalesce(sum(amount), 0)::int as n from credit_holds where status = 'active'`,
      )
    ).rows[0] as { n: number }
    expect(heldBefore.n).toBeGreaterThan(0)

    await first.kill('SIGKILL')
    // The clients see the connection die rather than a clean end.
    const endings = await Promise.all(
      opened.map((reader) =>
        reader.read().then(
          (r) => (r.done ? 'ended' : 'data'),
          () => 'error',
        ),
      ),
    )
    expect(endings.every((e) => e === 'error' || e === 'ended')).toBe(true)
    for (const c of controllers) c.abort()

    // Nothing settled: the process died before any settlement.
    const settled = await rdb.owner.execute(
      sql`select count(*)::int as n from credit_logs where kind = 'settle'`,
    )
    expect(settled.rows[0]).toEqual({ n: 0 })
    await checkInvariants(rdb.owner)

    const second = await startApi(rdb.appUrl, { env: { ...env, SWEEP_INTERVAL_MS: '200' } })
    await eventually(async () => {
      const r = (
        await rdb.owner.execute(sql`select count(*)::int as n from credit_holds where status = 'active'`)
      ).rows[0] as { n: number }
      return r.n === 0 ? true : undefined
    }, 20_000)

    const report = await checkInvariants(rdb.owner)
    expect(report.activeHolds).toBe(0)
    // Each hold: expired exactly once, with its resolution in the ledger under the sweeper's key.
    const resolutions = (
      await rdb.owner.execute(sql`
        select h.status, count(l.id)::int as n, bool_and(l.idempotency_key = 'expire:' || h.id::text) as keyed
        from credit_holds h join credit_logs l on l.hold_id = h.id and l.kind = 'expire'
        group by h.id, h.status`)
    ).rows as Array<{ status: string; n: number; keyed: boolean }>
    expect(resolutions).toHaveLength(STREAMS)
    expect(resolutions.every((r) => r.status === 'expired' && r.n === 1 && r.keyed)).toBe(true)
    // Every credit came back: no user was charged for the crashed runs, let alone twice.
    const balances = (await rdb.owner.execute(sql`select credits::int as c from users`)).rows as Array<{
      c: number
    }>
    expect(balances.every((b) => b.c === START)).toBe(true)
    // pino writes asynchronously: wait for the sweeper's line.
    await eventually(async () =>
      second.logs().some((l) => l.msg === 'Expired credit holds swept') ? true : undefined,
    )

    // The restarted process serves normally.
    gemini.openGate()
    const res = await postChat(second.url, users[0]!, {
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: `after the crash ${marker('ok')}` }],
    })
    expect(res.status).toBe(200)
    const credits = creditsOf(parseSse(await res.text()))
    expect(credits?.balance).toBe(START - (credits?.charged ?? 0))
    await checkInvariants(rdb.owner)
  })
})
