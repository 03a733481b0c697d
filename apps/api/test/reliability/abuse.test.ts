/**
 * Abuse from one client against the real API process: a burst far beyond the balance, a flood of chats
 * aborted right after their first chunk, and request bodies that try to set their own usage, cost or credits.
 */
import { sql } from '@10xstudent/database'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeGemini, marker, startFakeGemini } from './fake-gemini'
import {
  ADMIN_KEY,
  type ApiProcess,
  checkInvariants,
  createReliabilityDb,
  creditsOf,
  eventually,
  JSON_HEADERS,
  type Json,
  parseSse,
  pgUrl,
  postChat,
  type ReliabilityDb,
  readUntilFirstText,
  startApi,
  stopAll,
} from './harness'

describe.skipIf(!pgUrl)('abuse', () => {
  let rdb: ReliabilityDb
  let gemini: FakeGemini
  let api: ApiProcess

  beforeAll(async () => {
    rdb = await createReliabilityDb()
    gemini = await startFakeGemini()
    api = await startApi(rdb.appUrl, {
      env: {
        GEMINI_API_KEY: 'fake-gemini-key',
        GEMINI_BASE_URL: gemini.url,
        DEMO_CHUNK_DELAY_MS: '20',
        DEMO_MODE: 'true',
        DEMO_TOP_UP_CREDITS: '7',
      },
    })
  })
  afterAll(async () => {
    await stopAll()
    await gemini?.close()
    await rdb?.drop()
  })

  it('200 concurrent chats from a user whose balance covers one: exactly one provider call', async () => {
    // gemini-2.5-flash, 1000 output tokens: 2.5 credits + the prompt, reserved as 3.
    const u = await rdb.user(3)
    const body = {
      model: 'gemini-2.5-flash',
      maxTokens: 1000,
      messages: [{ role: 'user', content: `burst ${marker('gate')}` }],
    }
    gemini.closeGate()
    const responses = await Promise.all(Array.from({ length: 200 }, () => postChat(api.url, u, body)))
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 402)).toHaveLength(199)
    for (const res of responses.filter((r) => r.status === 402)) {
      const json = (await res.json()) as Json
      expect(json.error.code).toBe('insufficient_credits')
      expect(json.error.balance).toBe(0)
      expect(json.error.required).toBeGreaterThan(0)
    }
    // Every 402 was answered before any provider call: the provider saw one request.
    expect(gemini.counts.get('gate')).toBe(1)
    gemini.openGate()
    const ok = responses.find((r) => r.status === 200)!
    const credits = creditsOf(parseSse(await ok.text()))
    expect(credits!.balance).toBe(3 - credits!.charged)
    const holds = await rdb.owner.execute(
      sql`select count(*)::int as n from credit_holds where user_id = ${u.userId}`,
    )
    expect(holds.rows[0]).toEqual({ n: 1 })
    await checkInvariants(rdb.owner)
  })

  it('100 chats aborted right after the first chunk: each charged its estimate, the total equals the ledger', async () => {
    const start = 1000
    const u = await rdb.user(start)
    const runIds = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const controller = new AbortController()
        const res = await postChat(
          api.url,
          u,
          { messages: [{ role: 'user', content: `abort me ${i}` }], maxTokens: 200 },
          { signal: controller.signal },
        )
        expect(res.status).toBe(200)
        const runId = res.headers.get('x-run-id')!
        await readUntilFirstText(res)
        controller.abort()
        return runId
      }),
    )
    const settles = await eventually(async () => {
      const r = (
        await rdb.owner.execute(sql`select run_id, cost::int, finish_reason, estimated, output_tokens::int
          from credit_logs where user_id = ${u.userId} and kind = 'settle'`)
      ).rows as Json[]
      return r.length === 100 ? r : undefined
    }, 20_000)
    expect(new Set(settles.map((s) => s.run_id))).toEqual(new Set(runIds))
    for (const s of settles) {
      expect(s.finish_reason).toBe('aborted')
      expect(s.estimated).toBe(true)
      // The prompt plus what was streamed: never free.
      expect(s.cost).toBeGreaterThanOrEqual(1)
      expect(s.output_tokens).toBeLessThan(200)
    }
    const total = settles.reduce((n, s) => n + Number(s.cost), 0)
    const balance = (await rdb.owner.execute(sql`select credits::int as c from users where id = ${u.userId}`))
      .rows[0] as { c: number }
    expect(start - balance.c).toBe(total)
    const credits = (await (await fetch(`${api.url}/api/credits`, { headers: u.headers })).json()) as Json
    expect(credits).toMatchObject({ credits: balance.c, held: 0 })
    await checkInvariants(rdb.owner)
  })

  it('client-supplied usage, cost or credits in any request body are ignored', async () => {
    const honest = await rdb.user(100)
    const cheat = await rdb.user(100)
    const base = { messages: [{ role: 'user', content: 'How much does this cost?' }], maxTokens: 300 }
    const forged = {
      ...base,
      usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
      cost: 0,
      credits: 1_000_000,
      charged: 0,
      balance: 1_000_000,
      estimated: false,
      finishReason: 'stop',
      priceVersion: 'free',
    }
    const a = creditsOf(parseSse(await (await postChat(api.url, honest, base)).text()))!
    const b = creditsOf(parseSse(await (await postChat(api.url, cheat, forged)).text()))!
    expect(b.charged).toBe(a.charged)
    expect(b.balance).toBe(100 - a.charged)

    // The AG-UI body of fetchServerSentEvents, with forged fields in forwardedProps, state and context.
    const agui = {
      threadId: 't1',
      runId: 'r1',
      messages: [{ id: 'm1', role: 'user', content: 'How much does this cost?' }],
      tools: [],
      context: [{ description: 'credits', value: '1000000' }],
      state: { credits: 1_000_000, usage: { totalTokens: 0 } },
      forwardedProps: { maxTokens: 300, usage: { totalTokens: 0 }, cost: 0, credits: 1_000_000 },
    }
    const c = creditsOf(parseSse(await (await postChat(api.url, cheat, agui)).text()))!
    expect(c.charged).toBeGreaterThan(0)
    expect(c.balance).toBe(100 - a.charged - c.charged)

    // A demo top-up adds the configured amount whatever the body claims.
    const topUp = await fetch(`${api.url}/api/demo/top-up`, {
      method: 'POST',
      headers: { ...cheat.headers, ...JSON_HEADERS, 'idempotency-key': 'abuse-top-up-1' },
      body: JSON.stringify({ amount: 1_000_000, credits: 1_000_000 }),
    })
    expect(topUp.status).toBe(200)
    expect(((await topUp.json()) as Json).added).toBe(7)

    // Extra fields on admin grants are not honoured either (only `amount` moves credits).
    const grant = await fetch(`${api.url}/api/admin/users/${cheat.userId}/credits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...JSON_HEADERS },
      body: JSON.stringify({ amount: 1, reason: 'r', idempotencyKey: 'abuse-grant-1', balance: 1_000_000 }),
    })
    expect(grant.status).toBe(200)
    const after = (await (await fetch(`${api.url}/api/credits`, { headers: cheat.headers })).json()) as Json
    expect(after.credits).toBe(100 - a.charged - c.charged + 7 + 1)
    await checkInvariants(rdb.owner)
  })
})
