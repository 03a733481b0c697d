/**
 * Provider faults, end to end in the real API process: the real `@tanstack/ai-gemini` adapter against the
 * scriptable fake Gemini server (`src/server.ts`), and the demo model's fault modes (`fault-server.ts`).
 * Whatever the provider does, each run settles exactly once, within its hold, and the invariants hold.
 */
import { sql } from '@10xstudent/database'
import { priceUsage } from '@10xstudent/domain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAKE_USAGE, type FakeGemini, type GeminiScenario, marker, startFakeGemini } from './fake-gemini'
import {
  type ApiProcess,
  checkInvariants,
  createReliabilityDb,
  creditsOf,
  eventually,
  FAULT_ENTRY,
  type Json,
  parseSse,
  pgUrl,
  postChat,
  type ReliabilityDb,
  type SseChunk,
  startApi,
  stopAll,
} from './harness'

interface RunOutcome {
  status: number
  chunks: SseChunk[]
  runId: string
  settle: Json | undefined
  hold: Json
  toolCharges: number
}

describe.skipIf(!pgUrl)('provider faults', () => {
  let rdb: ReliabilityDb
  let gemini: FakeGemini
  let api: ApiProcess
  let demo: ApiProcess

  beforeAll(async () => {
    rdb = await createReliabilityDb()
    gemini = await startFakeGemini()
    const env = {
      GEMINI_API_KEY: 'fake-gemini-key',
      GEMINI_BASE_URL: gemini.url,
      PROVIDER_TIMEOUT_MS: '1000',
      DEMO_CHUNK_DELAY_MS: '1',
    }
    ;[api, demo] = await Promise.all([
      startApi(rdb.appUrl, { env }),
      startApi(rdb.appUrl, { env, entry: FAULT_ENTRY }),
    ])
  })
  afterAll(async () => {
    await stopAll()
    await gemini?.close()
    await rdb?.drop()
  })

  /** One chat; then the run's hold, its settlement row and any tool charges, read by SQL. */
  async function run(target: ApiProcess, body: Json, credits = 1000): Promise<RunOutcome> {
    const u = await rdb.user(credits)
    const res = await postChat(target.url, u, body)
    const runId = res.headers.get('x-run-id') ?? ''
    const chunks = parseSse(await res.text())
    const hold = await eventually(async () => {
      const rows = (await rdb.owner.execute(sql`select * from credit_holds where run_id = ${runId}`))
        .rows as Json[]
      return rows[0] && rows[0].status !== 'active' ? rows[0] : undefined
    })
    const settle = (
      await rdb.owner.execute(sql`select * from credit_logs where run_id = ${runId} and kind in ('settle', 'charge')
        and operation <> 'web_search'`)
    ).rows[0] as Json | undefined
    const tools = (
      await rdb.owner.execute(
        sql`select coalesce(sum(cost), 0)::int as n from credit_logs where user_id = ${u.userId} and operation = 'web_search'`,
      )
    ).rows[0] as { n: number }
    return { status: res.status, chunks, runId, settle, hold, toolCharges: tools.n }
  }

  const gem = (scenario: GeminiScenario, extra: Json = {}) => ({
    model: 'gemini-2.5-flash',
    maxTokens: 2000,
    messages: [{ role: 'user', content: `Tell me something ${marker(scenario)}` }],
    ...extra,
  })
  const dem = (fault: string) => ({
    messages: [{ role: 'user', content: `Tell me something [[demo:${fault}]]` }],
    maxTokens: 1000,
  })

  it('Gemini: an error event inside an HTTP 200 stream settles as error within the hold', async () => {
    const o = await run(api, gem('error-in-200'))
    expect(o.status).toBe(200)
    expect(o.chunks.some((c) => c.type === 'RUN_ERROR')).toBe(true)
    expect(o.settle?.finish_reason).toBe('error')
    expect(o.hold.status).toBe('settled')
    expect(Number(o.settle?.cost)).toBeLessThanOrEqual(Number(o.hold.amount))
  })

  it('Gemini: an error before any output charges nothing and returns the whole hold', async () => {
    const o = await run(api, gem('error-first'))
    expect(o.status).toBe(200)
    expect(o.chunks.some((c) => c.type === 'RUN_ERROR')).toBe(true)
    expect(Number(o.settle?.cost ?? 0)).toBe(0)
    expect(['settled', 'released']).toContain(o.hold.status)
  })

  it('Gemini: a stalling provider is cut off by PROVIDER_TIMEOUT_MS and settled as aborted, estimated', async () => {
    const started = Date.now()
    const o = await run(api, gem('stall'))
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(o.settle?.finish_reason).toBe('aborted')
    expect(o.settle?.estimated).toBe(true)
    expect(Number(o.settle?.cost)).toBeGreaterThan(0)
    expect(Number(o.settle?.cost)).toBeLessThanOrEqual(Number(o.hold.amount))
  })

  it('Gemini: a stream that never reports usage is charged an estimate, marked estimated', async () => {
    const o = await run(api, gem('no-usage'))
    expect(o.status).toBe(200)
    expect(o.settle?.finish_reason).toBe('stop')
    expect(o.settle?.estimated).toBe(true)
    expect(Number(o.settle?.cost)).toBeGreaterThan(0)
    expect(creditsOf(o.chunks)?.estimated).toBe(true)
  })

  it('Gemini: RUN_FINISHED twice is counted once', async () => {
    const o = await run(api, gem('double-finish'))
    expect(o.chunks.filter((c) => c.type === 'RUN_FINISHED').length).toBeGreaterThanOrEqual(1)
    expect(Number(o.settle?.tokens_used)).toBe(FAKE_USAGE.totalTokenCount)
    const expected = priceUsage({
      model: 'gemini-2.5-flash',
      usage: { uncachedInput: 20, cachedInput: 0, cacheWrite: 0, output: 10, reasoning: 0 },
    })
    expect(Number(o.settle?.cost)).toBe(expected.credits)
    expect(o.settle?.estimated).toBe(false)
  })

  it('Gemini: a tool loop that would exceed its hold is stopped and charged within the hold', async () => {
    const before = gemini.counts.get('tool-loop') ?? 0
    const o = await run(api, gem('tool-loop', { maxTokens: 300 }))
    const calls = (gemini.counts.get('tool-loop') ?? 0) - before
    expect(calls).toBeGreaterThanOrEqual(1)
    expect(calls).toBeLessThan(10)
    expect(Number(o.settle?.cost)).toBeLessThanOrEqual(Number(o.hold.amount))
    expect(Number(o.settle?.shortfall)).toBe(0)
    await eventually(async () =>
      api.logs().some((l) => l.runId === o.runId && l.stoppedForBudget === true) ? true : undefined,
    )
  })

  it('demo: RUN_ERROR mid-reply settles as error within the hold', async () => {
    const o = await run(demo, dem('run-error'))
    expect(o.status).toBe(200)
    expect(o.settle?.finish_reason).toBe('error')
    expect(Number(o.settle?.cost)).toBeLessThanOrEqual(Number(o.hold.amount))
  })

  it('demo: the adapter throwing mid-reply settles as error within the hold', async () => {
    const o = await run(demo, dem('throw'))
    expect(o.settle?.finish_reason).toBe('error')
    expect(Number(o.settle?.cost)).toBeLessThanOrEqual(Number(o.hold.amount))
  })

  it('demo: no usage reported -> estimated', async () => {
    const o = await run(demo, dem('no-usage'))
    expect(o.settle?.estimated).toBe(true)
    expect(Number(o.settle?.cost)).toBeGreaterThan(0)
  })

  it('demo: RUN_FINISHED twice is counted once (same charge as a single one)', async () => {
    const once = await run(demo, dem('none'))
    const twice = await run(demo, dem('double-finish'))
    // Same reply, so the same output tokens; counted twice they would double (prompts differ by the marker).
    expect(Number(twice.settle?.output_tokens)).toBe(Number(once.settle?.output_tokens))
    expect(Number(twice.settle?.tokens_used)).toBe(
      Number(twice.settle?.uncached_input_tokens) + Number(twice.settle?.output_tokens),
    )
    expect(twice.settle?.estimated).toBe(false)
  })

  it('demo: a stalling model is cut off by PROVIDER_TIMEOUT_MS and settled as aborted', async () => {
    const o = await run(demo, dem('slow'))
    expect(o.settle?.finish_reason).toBe('aborted')
    expect(Number(o.settle?.cost)).toBeLessThanOrEqual(Number(o.hold.amount))
  })

  it('demo: a 50-step tool loop is stopped by the hold and charged within it', async () => {
    const o = await run(demo, dem('tool-loop'))
    expect(Number(o.settle?.cost)).toBeLessThanOrEqual(Number(o.hold.amount))
    expect(Number(o.settle?.shortfall)).toBe(0)
    await eventually(async () =>
      demo.logs().some((l) => l.runId === o.runId && l.stoppedForBudget === true) ? true : undefined,
    )
    const calls = demo.logs().filter((l) => l.msg === 'demo provider call').length
    expect(calls).toBeLessThan(50)
  })

  it('after every fault: no active hold, invariants I1-I4 hold', async () => {
    const report = await checkInvariants(rdb.owner)
    expect(report.activeHolds).toBe(0)
    expect(report.holds).toBeGreaterThanOrEqual(13)
  })
})
