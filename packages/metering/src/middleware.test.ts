import { DEMO_MODEL } from '@10xstudent/domain'
import { chat, type StreamChunk, toolDefinition } from '@tanstack/ai'
import { beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { creditMetering } from './middleware'
import type { Settlement } from './settlement'
import { captureLogger, collect } from './test-support'
import { createMemoryLedger, demoTextAdapter, type MemoryLedger } from './testing'
import { countPromptTokens, countTokens } from './tokens'

const USER = 'user_m'
const model = DEMO_MODEL
const messages = [{ role: 'user' as const, content: 'Hi there' }]
let ledger: MemoryLedger
const lookup = toolDefinition({
  name: 'lookup',
  description: 'Look up',
  inputSchema: z.object({ q: z.string() }),
}).server(async () => ({ ok: true }))

beforeEach(async () => {
  ledger = createMemoryLedger()
  await ledger.ensureUser({ userId: USER, initialCredits: 500 })
})

async function setup(extra: Partial<Parameters<typeof creditMetering>[0]> = {}) {
  const hold = await ledger.reserve({ userId: USER, amount: 50, idempotencyKey: 'reserve:m', runId: 'm' })
  const settlements: Settlement[] = []
  const logger = captureLogger()
  const middleware = creditMetering({
    ledger,
    hold,
    model,
    runId: 'm',
    logger,
    onSettled: (s) => settlements.push(s),
    ...extra,
  })
  return { hold, settlements, logger, middleware }
}
const credits = (out: StreamChunk[]) =>
  out.filter((c) => c.type === 'CUSTOM' && (c as { name: string }).name === 'credits')

describe('creditMetering (ChatMiddleware) with the real chat()', () => {
  it('settles a single call once and emits the credits chunk into the stream', async () => {
    const { settlements, middleware } = await setup()
    const out = await collect(
      chat({ adapter: demoTextAdapter({ replies: ['Hello!'] }), messages, middleware: [middleware] }),
    )
    expect(settlements).toHaveLength(1)
    expect(settlements[0]!.pools).toMatchObject({
      uncachedInput: countPromptTokens({ messages }),
      output: countTokens('Hello!'),
    })
    expect(credits(out)).toHaveLength(1)
    expect((credits(out)[0] as { value: unknown }).value).toEqual({
      charged: 1,
      balance: 499,
      held: 0,
      estimated: false,
    })
  })

  it('sums every call of a three-call tool loop (onUsage per call)', async () => {
    const { settlements, middleware } = await setup()
    const adapter = demoTextAdapter({
      replies: ['done'],
      toolCalls: [
        { name: 'lookup', args: { q: 'a' } },
        { name: 'lookup', args: { q: 'b' } },
      ],
    })
    await collect(chat({ adapter, messages, tools: [lookup], middleware: [middleware] }))
    expect(settlements).toHaveLength(1)
    expect(settlements[0]!.modelCalls).toBe(3)
    expect(settlements[0]!.finishReason).toBe('stop')
  })

  it('stops the loop in onShouldContinue when the hold cannot cover another call', async () => {
    const { settlements, middleware, logger } = await setup({ maxOutputTokens: 4_096 * 10 })
    const adapter = demoTextAdapter({
      toolCalls: [
        { name: 'lookup', args: { q: 'a' } },
        { name: 'lookup', args: { q: 'b' } },
      ],
    })
    const out = await collect(chat({ adapter, messages, tools: [lookup], middleware: [middleware] }))
    expect(settlements[0]).toMatchObject({ modelCalls: 1, stoppedForBudget: true })
    expect(credits(out)).toHaveLength(1)
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg?.includes('hold cannot cover'))).toBe(true)
  })

  it('settles as aborted (estimated) when the run is aborted mid-reply', async () => {
    const { settlements, middleware } = await setup()
    const abortController = new AbortController()
    const adapter = demoTextAdapter({ replies: ['one two three four five six seven'], chunkDelayMs: 5 })
    let n = 0
    for await (const c of chat({ adapter, messages, middleware: [middleware], abortController })) {
      if (c.type === 'TEXT_MESSAGE_CONTENT' && ++n === 3) abortController.abort()
    }
    expect(settlements).toHaveLength(1)
    expect(settlements[0]).toMatchObject({ finishReason: 'aborted', estimated: true })
  })

  it('settles as aborted when the consumer stops iterating without aborting (no terminal hook fires)', async () => {
    const { settlements, middleware } = await setup()
    const adapter = demoTextAdapter({ replies: ['one two three four five six seven'] })
    let n = 0
    for await (const c of chat({ adapter, messages, middleware: [middleware] })) {
      if (c.type === 'TEXT_MESSAGE_CONTENT' && ++n === 2) break
    }
    expect(settlements).toHaveLength(1)
    expect(settlements[0]).toMatchObject({ finishReason: 'aborted', estimated: true })
    expect(settlements[0]!.pools.output).toBe(countTokens('one two'))
  })

  it('settles as error when the adapter throws', async () => {
    const { settlements, middleware } = await setup()
    const adapter = demoTextAdapter({ failAfterChunks: 2, failWith: 'throw' })
    await expect(
      collect(chat({ adapter, messages, middleware: [middleware], debug: false })),
    ).rejects.toThrow()
    expect(settlements).toEqual([expect.objectContaining({ finishReason: 'error', estimated: true })])
  })

  it('settles at a tool-approval pause and emits credits', async () => {
    const { settlements, middleware } = await setup()
    const risky = toolDefinition({
      name: 'delete_all',
      description: 'Dangerous',
      inputSchema: z.object({}),
      needsApproval: true,
    }).server(async () => ({ deleted: true }))
    const adapter = demoTextAdapter({ toolCalls: [{ name: 'delete_all', args: {} }] })
    const out = await collect(chat({ adapter, messages, tools: [risky], middleware: [middleware] }))
    expect(settlements).toEqual([
      expect.objectContaining({ paused: true, finishReason: 'tool-calls', modelCalls: 1 }),
    ])
    expect(credits(out)).toHaveLength(1)
  })

  it('never throws into the stream when the ledger and the logger throw synchronously', async () => {
    const boom = () => {
      throw new Error('boom')
    }
    const broken = { ...ledger, settle: boom, charge: boom, balance: boom } as unknown as MemoryLedger
    const hold = await ledger.reserve({ userId: USER, amount: 5, idempotencyKey: 'k', runId: 'x' })
    const badLogger = { info: boom, warn: boom, error: boom }
    const middleware = creditMetering({
      ledger: broken,
      hold,
      model,
      logger: badLogger,
      policies: { settleRetries: 0 },
    })
    const out = await collect(
      chat({ adapter: demoTextAdapter({ replies: ['fine'] }), messages, middleware: [middleware] }),
    )
    expect(out.some((c) => c.type === 'RUN_FINISHED')).toBe(true)
  })
})
