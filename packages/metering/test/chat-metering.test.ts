/**
 * End to end: the real `chat()`, the demo adapter and the real ledger on PGlite and on PostgreSQL.
 * Every end condition must produce exactly one settlement, and the ledger must agree with it.
 */
import { randomUUID } from 'node:crypto'
import { type CreditLedger, DEMO_MODEL, priceUsage, type UsagePools } from '@10xstudent/domain'
import { chat, type StreamChunk, toolDefinition, toServerSentEventsStream } from '@tanstack/ai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { creditMetering, meterStream, reserveForChat, type Settlement } from '../src/index'
import { captureLogger } from '../src/test-support'
import { type DemoTextAdapterOptions, demoTextAdapter, withLedgerFaults } from '../src/testing/index'
import { countPromptTokens, countTokens } from '../src/tokens'
import { type Backend, backends, newUser } from './support/backends'

const model = DEMO_MODEL
const messages = [{ role: 'user' as const, content: 'Tell me something short.' }]
const promptTokens = countPromptTokens({ messages })
const REPLY = 'Short answers save credits.'

const lookup = toolDefinition({
  name: 'lookup',
  description: 'Look something up',
  inputSchema: z.object({ q: z.string() }),
}).server(async ({ q }) => ({ answer: `facts about ${q}` }))
const risky = toolDefinition({
  name: 'delete_all',
  description: 'Delete everything',
  inputSchema: z.object({}),
  needsApproval: true,
}).server(async () => ({ deleted: true }))

const pools = (p: Partial<UsagePools>): UsagePools => ({
  uncachedInput: 0,
  cachedInput: 0,
  cacheWrite: 0,
  output: 0,
  reasoning: 0,
  ...p,
})
const creditsChunks = (out: StreamChunk[]) =>
  out.filter((c) => c.type === 'CUSTOM' && (c as { name?: string }).name === 'credits') as Array<{
    value: Record<string, unknown>
  }>

for (const backend of backends) {
  describe.skipIf(!backend.available)(`metering chat() with the real ledger on ${backend.name}`, () => {
    let db: Backend
    let ledger: CreditLedger
    beforeAll(async () => {
      db = await backend.open()
      ledger = db.ledger
    })
    afterAll(() => db?.close())

    /** Reserve, run chat() with the demo adapter through meterStream, consume, and return everything. */
    async function run(
      adapterOptions: DemoTextAdapterOptions,
      opts: {
        credits?: number
        tools?: Array<typeof lookup | typeof risky>
        ledger?: CreditLedger
        hold?: boolean
        stopAfter?: number
        policies?: { settleRetries?: number; retryBaseMs?: number }
      } = {},
    ) {
      const userId = await newUser(ledger, opts.credits ?? 1_000)
      const runId = randomUUID()
      const logger = captureLogger()
      const reservation =
        opts.hold === false
          ? undefined
          : await reserveForChat({
              ledger,
              userId,
              model,
              messages,
              tools: opts.tools,
              runId,
              maxOutputTokens: 1_000,
              logger,
            })
      const settlements: Settlement[] = []
      let settled!: () => void
      const settledOnce = new Promise<void>((r) => {
        settled = r
      })
      const stream = meterStream(
        chat({ adapter: demoTextAdapter(adapterOptions), messages, tools: opts.tools, debug: false }),
        {
          ledger: opts.ledger ?? ledger,
          hold: reservation?.hold,
          userId,
          model,
          runId,
          logger,
          policies: { retryBaseMs: 1, ...opts.policies },
          onSettled: (s) => {
            settlements.push(s)
            settled()
          },
        },
      )
      const out: StreamChunk[] = []
      let error: unknown
      try {
        for await (const chunk of stream) {
          out.push(chunk)
          if (opts.stopAfter !== undefined && out.length >= opts.stopAfter) break
        }
      } catch (err) {
        error = err
      }
      await settledOnce
      const balance = await ledger.balance(userId)
      const history = (await ledger.history(userId, { limit: 200 })).items
      return { userId, runId, reservation, settlements, out, error, logger, balance, history }
    }

    it('a single call: charges the honest usage once, releases the rest, emits the new balance', async () => {
      const r = await run({ replies: [REPLY] })
      const expected = priceUsage({
        model,
        usage: pools({ uncachedInput: promptTokens, output: countTokens(REPLY) }),
      })
      expect(r.settlements).toHaveLength(1)
      expect(r.settlements[0]).toMatchObject({
        status: 'settled',
        finishReason: 'stop',
        estimated: false,
        modelCalls: 1,
        charged: expected.credits,
        costMicros: expected.costMicros,
        pools: expected.pools,
      })
      expect(r.balance).toEqual({ credits: 1_000 - expected.credits, held: 0 })
      const settles = r.history.filter((e) => e.kind === 'settle')
      expect(settles).toHaveLength(1)
      expect(settles[0]).toMatchObject({
        cost: expected.credits,
        model,
        finishReason: 'stop',
        priceVersion: expected.priceVersion,
      })
      const credits = creditsChunks(r.out)
      expect(credits).toHaveLength(1)
      expect(r.out.at(-1)).toBe(credits[0])
      expect(credits[0]!.value).toEqual({
        charged: expected.credits,
        balance: r.balance.credits,
        held: 0,
        estimated: false,
      })
      const line = r.logger.settled()
      expect(line).toHaveLength(1)
      expect(line[0]!.obj).toMatchObject({
        userId: r.userId,
        runId: r.runId,
        holdId: r.reservation!.hold.id,
        model,
        finishReason: 'stop',
      })
      expect(JSON.stringify(r.logger.lines)).not.toContain('Tell me something short')
    })

    it('a three-call tool loop: charges the sum of every call, not the last one', async () => {
      const r = await run(
        {
          replies: [REPLY],
          toolCalls: [
            { name: 'lookup', args: { q: 'a' } },
            { name: 'lookup', args: { q: 'b' } },
          ],
        },
        { tools: [lookup] },
      )
      const reported = r.out
        .filter((c) => c.type === 'RUN_FINISHED')
        .map((c) => (c as { usage: { promptTokens: number; completionTokens: number } }).usage)
      expect(reported).toHaveLength(3)
      const sum = pools({
        uncachedInput: reported.reduce((a, u) => a + u.promptTokens, 0),
        output: reported.reduce((a, u) => a + u.completionTokens, 0),
      })
      const s = r.settlements[0]!
      expect(s.modelCalls).toBe(3)
      expect(s.pools).toEqual(sum)
      expect(s.pools.uncachedInput).toBeGreaterThan(reported[2]!.promptTokens)
      expect(s.charged).toBe(priceUsage({ model, usage: sum }).credits)
      expect(r.history.filter((e) => e.kind === 'settle')).toHaveLength(1)
    })

    it('a consumer abort at every chunk index of a reply: exactly one settlement each, estimated from the text', async () => {
      const full = await run({ replies: [REPLY] })
      const chunkCount = full.out.length - 1 // without the credits chunk
      expect(chunkCount).toBeGreaterThan(5)
      for (let stopAfter = 1; stopAfter <= chunkCount; stopAfter++) {
        const r = await run({ replies: [REPLY] }, { stopAfter })
        const seenText = r.out
          .map((c) => (c.type === 'TEXT_MESSAGE_CONTENT' ? (c as { delta: string }).delta : ''))
          .join('')
        const sawFinish = r.out.some((c) => c.type === 'RUN_FINISHED')
        const expectedPools = sawFinish
          ? pools({ uncachedInput: promptTokens, output: countTokens(REPLY) })
          : seenText
            ? pools({ uncachedInput: promptTokens, output: countTokens(seenText) })
            : pools({})
        const expected = priceUsage({ model, usage: expectedPools })
        expect(r.settlements, `stop after ${stopAfter}`).toHaveLength(1)
        expect(r.settlements[0], `stop after ${stopAfter}`).toMatchObject({
          finishReason: 'aborted',
          estimated: !sawFinish && seenText.length > 0,
          pools: expectedPools,
          charged: expected.credits,
        })
        expect(r.balance).toEqual({ credits: 1_000 - expected.credits, held: 0 })
        expect(r.history.filter((e) => e.kind === 'settle')).toHaveLength(1)
        expect(creditsChunks(r.out)).toHaveLength(0)
      }
    })

    it('a cancelled ReadableStream (toServerSentEventsStream): settled once, as aborted and estimated', async () => {
      const userId = await newUser(ledger)
      const runId = randomUUID()
      const { hold } = await reserveForChat({
        ledger,
        userId,
        model,
        messages,
        runId,
        logger: captureLogger(),
      })
      const settlements: Settlement[] = []
      const abortController = new AbortController()
      const stream = chat({
        adapter: demoTextAdapter({ replies: [REPLY], chunkDelayMs: 5 }),
        messages,
        abortController,
      })
      const body = toServerSentEventsStream(
        meterStream(stream, {
          ledger,
          hold,
          model,
          runId,
          logger: captureLogger(),
          onSettled: (s) => settlements.push(s),
        }),
        abortController,
      )
      const reader = body.getReader()
      let texts = 0
      while (texts < 3) {
        const { value } = await reader.read()
        texts += (new TextDecoder().decode(value).match(/TEXT_MESSAGE_CONTENT/g) ?? []).length
      }
      await reader.cancel('gone')
      expect(settlements).toHaveLength(1)
      expect(settlements[0]).toMatchObject({ finishReason: 'aborted', estimated: true, status: 'settled' })
      expect(await ledger.balance(userId)).toMatchObject({ held: 0 })
      expect((await ledger.history(userId)).items.filter((e) => e.kind === 'settle')).toHaveLength(1)
    })

    it('RUN_ERROR midway: bills what streamed (estimated), releases the rest, finish reason error', async () => {
      const r = await run({ replies: [REPLY], failAfterChunks: 3 })
      const s = r.settlements[0]!
      const streamed = r.out
        .filter((c) => c.type === 'TEXT_MESSAGE_CONTENT')
        .map((c) => (c as { delta: string }).delta)
      expect(streamed).toHaveLength(3)
      expect(r.out.some((c) => c.type === 'RUN_ERROR')).toBe(true)
      expect(s).toMatchObject({
        finishReason: 'error',
        estimated: true,
        pools: pools({ uncachedInput: promptTokens, output: countTokens(streamed.join('')) }),
      })
      expect(r.balance.held).toBe(0)
      expect(r.logger.settled()[0]!.level).toBe('error')
      expect(creditsChunks(r.out)).toHaveLength(1)
    })

    it('the adapter throwing: settles once as error, shows the balance, then the consumer sees the error', async () => {
      const r = await run({ replies: [REPLY], failAfterChunks: 2, failWith: 'throw' })
      expect(r.error).toBeInstanceOf(Error)
      expect(r.settlements).toEqual([
        expect.objectContaining({ finishReason: 'error', estimated: true, status: 'settled' }),
      ])
      expect(r.out.at(-1)).toMatchObject({ type: 'CUSTOM', name: 'credits' })
      expect(r.balance.held).toBe(0)
    })

    it('a call that fails before producing anything is not charged', async () => {
      const r = await run({ replies: [REPLY], failAfterChunks: 0 })
      expect(r.settlements[0]).toMatchObject({ finishReason: 'error', charged: 0, modelCalls: 0 })
      expect(r.balance).toEqual({ credits: 1_000, held: 0 })
    })

    it('a tool-approval pause: settles what ran, at the pause', async () => {
      const r = await run({ toolCalls: [{ name: 'delete_all', args: {} }] }, { tools: [risky] })
      const finished = r.out.filter((c) => c.type === 'RUN_FINISHED') as Array<{ outcome?: { type: string } }>
      expect(finished.at(-1)?.outcome?.type).toBe('interrupt')
      expect(r.settlements).toEqual([
        expect.objectContaining({
          paused: true,
          finishReason: 'tool-calls',
          modelCalls: 1,
          estimated: false,
        }),
      ])
      expect(r.settlements[0]!.charged).toBeGreaterThan(0)
      expect(r.balance.held).toBe(0)
      expect(creditsChunks(r.out)).toHaveLength(1)
    })

    it('duplicated RUN_FINISHED: usage counted once', async () => {
      const r = await run({ replies: [REPLY], duplicateRunFinished: true })
      expect(r.out.filter((c) => c.type === 'RUN_FINISHED')).toHaveLength(2)
      expect(r.settlements[0]).toMatchObject({
        modelCalls: 1,
        pools: pools({ uncachedInput: promptTokens, output: countTokens(REPLY) }),
      })
    })

    it('settlement retried after a simulated ledger failure: same key, one settle entry', async () => {
      const flaky = withLedgerFaults(ledger, { settle: 2 })
      const r = await run({ replies: [REPLY] }, { ledger: flaky })
      expect(flaky.calls.settle).toBe(3)
      expect(r.settlements[0]).toMatchObject({ status: 'settled', attempts: 3 })
      const settles = r.history.filter((e) => e.kind === 'settle')
      expect(settles).toHaveLength(1)
      expect(settles[0]!.idempotencyKey).toBe(`settle:${r.reservation!.hold.id}`)
      expect(r.balance.held).toBe(0)
    })

    it('a ledger that always fails: the user still gets the whole stream; the hold stays for the sweeper', async () => {
      const broken = withLedgerFaults(ledger, { settle: 'always' })
      const r = await run({ replies: [REPLY] }, { ledger: broken, policies: { settleRetries: 2 } })
      expect(r.error).toBeUndefined()
      expect(r.out.at(-1)?.type).toBe('RUN_FINISHED')
      expect(r.settlements[0]).toMatchObject({ status: 'failed' })
      expect(r.balance.held).toBe(r.reservation!.hold.amount)
      const line = r.logger.settled()[0]!
      expect(line.level).toBe('error')
      expect(line.obj).toMatchObject({
        holdId: r.reservation!.hold.id,
        idempotencyKey: `settle:${r.reservation!.hold.id}`,
      })
    })

    it('without a hold: charges after completion and never overdraws', async () => {
      const r = await run({ replies: ['word '.repeat(300)] }, { hold: false, credits: 1 })
      expect(r.settlements[0]).toMatchObject({ holdId: null, charged: 1, balance: 0 })
      expect(r.settlements[0]!.shortfall).toBeGreaterThan(0)
      expect(r.balance).toEqual({ credits: 0, held: 0 })
    })

    it('as middleware: one settlement for a three-call loop, with the credits chunk in the stream', async () => {
      const userId = await newUser(ledger)
      const runId = randomUUID()
      const { hold } = await reserveForChat({
        ledger,
        userId,
        model,
        messages,
        tools: [lookup],
        runId,
        maxOutputTokens: 1_000,
        logger: captureLogger(),
      })
      const settlements: Settlement[] = []
      const out: StreamChunk[] = []
      const adapter = demoTextAdapter({
        replies: [REPLY],
        toolCalls: [
          { name: 'lookup', args: { q: 'a' } },
          { name: 'lookup', args: { q: 'b' } },
        ],
        duplicateRunFinished: true,
      })
      for await (const c of chat({
        adapter,
        messages,
        tools: [lookup],
        middleware: [
          creditMetering({
            ledger,
            hold,
            model,
            runId,
            logger: captureLogger(),
            onSettled: (s) => settlements.push(s),
          }),
        ],
      }))
        out.push(c)
      expect(settlements).toHaveLength(1)
      expect(settlements[0]!.modelCalls).toBe(3)
      const credits = creditsChunks(out)
      expect(credits).toHaveLength(1)
      expect(credits[0]!.value.balance).toBe((await ledger.balance(userId)).credits)
      expect((await ledger.balance(userId)).held).toBe(0)
    })
  })
}
