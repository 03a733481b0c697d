import { DEMO_MODEL, priceUsage, UnknownModelError } from '@10xstudent/domain'
import type { StreamChunk } from '@tanstack/ai'
import { beforeEach, describe, expect, it } from 'vitest'
import { meterStream } from './meter-stream'
import { creditsChunkOf, type Settlement } from './settlement'
import { captureLogger, collect } from './test-support'
import { chunks, createMemoryLedger, type MemoryLedger, withLedgerFaults } from './testing'
import { countTokens } from './tokens'

const USER = 'user_1'
const model = DEMO_MODEL
let ledger: MemoryLedger

beforeEach(async () => {
  ledger = createMemoryLedger()
  await ledger.ensureUser({ userId: USER, initialCredits: 1_000 })
})

async function hold(amount = 100, runId = 'run_1') {
  return ledger.reserve({ userId: USER, amount, idempotencyKey: `reserve:${runId}`, runId })
}

/** Meter `items` and return what the consumer saw plus the settlements. */
async function meter(items: StreamChunk[], extra: Partial<Parameters<typeof meterStream>[1]> = {}) {
  const settlements: Settlement[] = []
  const logger = captureLogger()
  const out = await collect(
    meterStream(chunks.stream(items), {
      ledger,
      model,
      userId: USER,
      logger,
      runId: 'run_1',
      policies: { retryBaseMs: 1 },
      onSettled: (s) => settlements.push(s),
      ...extra,
    }),
  )
  return { out, settlements, logger }
}

const creditsOf = (out: unknown[]) =>
  out.filter((c): c is { type: 'CUSTOM'; name: string; value: Record<string, unknown> } => {
    const x = c as { type?: string; name?: string }
    return x.type === 'CUSTOM' && x.name === 'credits'
  })

describe('meterStream', () => {
  it('passes every chunk through as the same object, then one credits chunk', async () => {
    const items = [chunks.runStarted(), ...chunks.reply(['Hel', 'lo'], { usage: chunks.usage(10, 2) })]
    const { out, settlements } = await meter(items, { hold: await hold() })
    expect(out.slice(0, items.length)).toEqual(items)
    for (const [i, item] of items.entries()) expect(out[i]).toBe(item)
    expect(creditsOf(out)).toHaveLength(1)
    expect(out).toHaveLength(items.length + 1)
    expect(settlements).toHaveLength(1)
    // The credits chunk is a valid @tanstack/ai CUSTOM chunk (checked by the compiler).
    const typed: StreamChunk = creditsChunkOf(settlements[0]!)
    expect(out.at(-1)).toMatchObject({ type: typed.type, name: 'credits' })
  })

  it('sums usage over every model call of an agent loop, not only the last', async () => {
    const items = [
      chunks.runStarted(),
      chunks.toolCallStart('c1', 'lookup'),
      chunks.toolCallArgs('c1', '{}'),
      chunks.toolCallEnd('c1'),
      chunks.runFinished({ usage: chunks.usage(100, 10), finishReason: 'tool_calls' }),
      chunks.toolResult('c1', '{"ok":true}'),
      chunks.toolCallStart('c2', 'lookup'),
      chunks.toolCallEnd('c2'),
      chunks.runFinished({ usage: chunks.usage(130, 10), finishReason: 'tool_calls' }),
      chunks.toolResult('c2', '{"ok":true}'),
      ...chunks.reply('Done', { usage: chunks.usage(160, 40) }),
    ]
    const { settlements } = await meter(items, { hold: await hold() })
    const s = settlements[0]!
    expect(s.modelCalls).toBe(3)
    expect(s.pools).toEqual({ uncachedInput: 390, cachedInput: 0, cacheWrite: 0, output: 60, reasoning: 0 })
    expect(s.costMicros).toBe(390 * 1_000 + 60 * 4_000)
    expect(s.charged).toBe(1)
    expect(s.finishReason).toBe('stop')
    expect(s.estimated).toBe(false)
  })

  it.each([
    [
      'a duplicated RUN_FINISHED',
      (u: ReturnType<typeof chunks.usage>) => [
        chunks.runFinished({ usage: u }),
        chunks.runFinished({ usage: u }),
      ],
    ],
    [
      'RUN_FINISHED then RUN_ERROR',
      (u: ReturnType<typeof chunks.usage>) => [chunks.runFinished({ usage: u }), chunks.runError()],
    ],
    [
      'the synthetic RUN_FINISHED replayed at a pause',
      (u: ReturnType<typeof chunks.usage>) => [
        chunks.runFinished({ usage: u, finishReason: 'tool_calls' }),
        chunks.runFinished({
          usage: u,
          finishReason: 'tool_calls',
          outcome: { type: 'interrupt', interrupts: [] },
        }),
      ],
    ],
  ])('counts usage once with %s', async (_name, tail) => {
    const usage = chunks.usage(1_000, 500)
    const items = [chunks.textStart(), chunks.text('x'), ...tail(usage)]
    const { settlements } = await meter(items, { hold: await hold() })
    expect(settlements).toHaveLength(1)
    expect(settlements[0]!.pools.uncachedInput).toBe(1_000)
    expect(settlements[0]!.pools.output).toBe(500)
    expect(settlements[0]!.modelCalls).toBe(1)
  })

  it.each([
    ['length', 'length', 'warn', true],
    ['length', 'length', 'warn', false],
    ['content_filter', 'content-filter', 'warn', true],
    ['content_filter', 'content-filter', 'warn', false],
    ['stop', 'stop', 'info', false],
    ['tool_calls', 'tool-calls', 'info', true],
  ] as const)(
    'reads finish reason %s as %s, logs at %s (top level: %s)',
    async (raw, normalized, level, topLevel) => {
      const items = [
        chunks.textStart(),
        chunks.text('x'),
        chunks.runFinished({ usage: chunks.usage(1, 1), finishReason: raw, topLevel }),
      ]
      const { settlements, logger } = await meter(items, { hold: await hold(100) })
      expect(settlements[0]!.finishReason).toBe(normalized)
      expect(logger.settled()).toHaveLength(1)
      expect(logger.settled()[0]!.level).toBe(level)
    },
  )

  it('accepts usage as the AG-UI usage[] array (the SSE form)', async () => {
    const usage = [{ inputTokens: 50, outputTokens: 20, totalTokens: 70, cachedInputTokens: 10 }]
    const items = [chunks.textStart(), chunks.text('x'), chunks.runFinished({ usage })]
    const { settlements } = await meter(items, { hold: await hold() })
    expect(settlements[0]!.pools).toEqual({
      uncachedInput: 40,
      cachedInput: 10,
      cacheWrite: 0,
      output: 20,
      reasoning: 0,
    })
  })

  it('estimates a call whose provider reported no usage, marked estimated', async () => {
    const text = 'The quick brown fox jumps over the lazy dog.'
    const items = [chunks.textStart(), chunks.text(text), chunks.runFinished()]
    const { settlements } = await meter(items, { hold: await hold(), promptTokens: 42 })
    expect(settlements[0]!.estimated).toBe(true)
    expect(settlements[0]!.pools.output).toBe(countTokens(text))
    expect(settlements[0]!.pools.uncachedInput).toBe(42)
  })

  it('does not charge a call that produced nothing (provider error before output)', async () => {
    const h = await hold(50)
    const items = [chunks.runStarted(), chunks.runError('overloaded')]
    const { settlements, logger, out } = await meter(items, { hold: h })
    expect(settlements[0]).toMatchObject({ charged: 0, finishReason: 'error', modelCalls: 0 })
    expect(await ledger.balance(USER)).toEqual({ credits: 1_000, held: 0 })
    expect(logger.settled()[0]!.level).toBe('error')
    expect(creditsOf(out)[0]!.value).toEqual({ charged: 0, balance: 1_000, held: 0, estimated: false })
  })

  it('charges finished calls and the streamed part of the failing one on a provider error', async () => {
    const items = [
      ...chunks.reply('first', { usage: chunks.usage(1_000, 250), finishReason: 'tool_calls' }),
      chunks.textStart('m2'),
      chunks.text('partial answer', 'm2'),
      chunks.runError(),
    ]
    const { settlements } = await meter(items, { hold: await hold(), promptTokens: 900 })
    const s = settlements[0]!
    expect(s.finishReason).toBe('error')
    expect(s.modelCalls).toBe(2)
    expect(s.estimated).toBe(true)
    expect(s.pools.output).toBe(250 + countTokens('partial answer'))
  })

  it('never costs more than the hold: caps the charge and records the rest as shortfall', async () => {
    const items = chunks.reply('x', { usage: chunks.usage(0, 250 * 30) }) // 30 credits of output
    const { settlements } = await meter(items, { hold: await hold(20) })
    expect(settlements[0]).toMatchObject({ cost: 30, charged: 20, shortfall: 10 })
    expect((await ledger.balance(USER)).credits).toBe(980)
  })

  it('stops the agent loop when the rest of the hold cannot cover another call, and logs it', async () => {
    // Hold 5 credits; the first call costs 4; another worst-case call (1,000 output tokens = 4 credits) cannot fit.
    const pulled: string[] = []
    const source = chunks.stream([
      chunks.toolCallStart('c1', 't'),
      chunks.toolCallEnd('c1'),
      chunks.runFinished({ usage: chunks.usage(0, 1_000), finishReason: 'tool_calls' }),
      chunks.toolResult('c1', 'r'),
      ...chunks.reply('second call that must not happen', { usage: chunks.usage(10, 10) }),
    ])
    const spy: AsyncIterable<StreamChunk> = {
      async *[Symbol.asyncIterator]() {
        for await (const c of source) {
          pulled.push(c.type)
          yield c
        }
      },
    }
    const settlements: Settlement[] = []
    const logger = captureLogger()
    const out = await collect(
      meterStream(spy, {
        ledger,
        model,
        hold: await hold(5),
        logger,
        maxOutputTokens: 1_000,
        onSettled: (s) => settlements.push(s),
      }),
    )
    expect(pulled).not.toContain('TEXT_MESSAGE_START')
    expect(out.map((c) => c.type)).toEqual(['TOOL_CALL_START', 'TOOL_CALL_END', 'RUN_FINISHED', 'CUSTOM'])
    expect(settlements[0]).toMatchObject({ charged: 4, stoppedForBudget: true, finishReason: 'tool-calls' })
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg?.includes('hold cannot cover'))).toBe(true)
  })

  it('settles once, as aborted and estimated, when the consumer stops early', async () => {
    const h = await hold()
    const settlements: Settlement[] = []
    const stream = meterStream(
      chunks.stream(chunks.reply(['one ', 'two ', 'three'], { usage: chunks.usage(10, 3) })),
      {
        ledger,
        model,
        hold: h,
        promptTokens: 10,
        onSettled: (s) => settlements.push(s),
        logger: captureLogger(),
      },
    )
    const it = stream[Symbol.asyncIterator]()
    await it.next()
    await it.next()
    await it.return?.()
    await it.return?.()
    expect(await it.next()).toEqual({ done: true, value: undefined })
    expect(settlements).toHaveLength(1)
    expect(settlements[0]).toMatchObject({ finishReason: 'aborted', estimated: true, charged: 1 })
    expect(settlements[0]!.pools.output).toBe(countTokens('one '))
  })

  it('settles as aborted when the signal aborts, even while a chunk is in flight', async () => {
    const controller = new AbortController()
    const settlements: Settlement[] = []
    const stream = meterStream(chunks.stream(chunks.reply(['a', 'b', 'c']), { delayMs: 20 }), {
      ledger,
      model,
      hold: await hold(),
      signal: controller.signal,
      onSettled: (s) => settlements.push(s),
      logger: captureLogger(),
    })
    const seen: string[] = []
    setTimeout(() => controller.abort(), 50)
    for await (const c of stream) seen.push(c.type)
    expect(seen.length).toBeLessThan(6)
    expect(settlements).toHaveLength(1)
    expect(settlements[0]!.finishReason).toBe('aborted')
  })

  it('when the source throws: settles as error, shows the credits chunk, then rethrows', async () => {
    const settlements: Settlement[] = []
    const stream = meterStream(
      chunks.stream([chunks.textStart(), chunks.text('partial')], {
        failAt: 2,
        error: new Error('socket hang up'),
      }),
      { ledger, model, hold: await hold(), onSettled: (s) => settlements.push(s), logger: captureLogger() },
    )
    const seen: StreamChunk[] = []
    await expect(
      (async () => {
        for await (const c of stream) seen.push(c)
      })(),
    ).rejects.toThrow('socket hang up')
    expect(seen.at(-1)).toMatchObject({ type: 'CUSTOM', name: 'credits' })
    expect(settlements).toEqual([expect.objectContaining({ finishReason: 'error', estimated: true })])
  })

  it('retries a failed settlement with the same idempotency key, then settles', async () => {
    const flaky = withLedgerFaults(ledger, { settle: 2 })
    const h = await hold()
    const { settlements, logger } = await meter(chunks.reply('x', { usage: chunks.usage(10, 10) }), {
      ledger: flaky,
      hold: h,
    })
    expect(flaky.calls.settle).toBe(3)
    expect(settlements[0]).toMatchObject({ status: 'settled', attempts: 3, charged: 1 })
    expect(ledger.entries.filter((e) => e.kind === 'settle')).toEqual([
      expect.objectContaining({ idempotencyKey: `settle:${h.id}` }),
    ])
    expect(logger.lines.filter((l) => l.msg?.includes('retrying'))).toHaveLength(2)
  })

  it('with the ledger unreachable: the stream still completes; the hold stays for the sweeper; the log says how to settle', async () => {
    const broken = withLedgerFaults(ledger, { settle: 'always' })
    const h = await hold()
    const items = chunks.reply('x', { usage: chunks.usage(10, 10) })
    const { out, settlements, logger } = await meter(items, {
      ledger: broken,
      hold: h,
      policies: { settleRetries: 2, retryBaseMs: 1 },
    })
    expect(out).toEqual(items) // no credits chunk: the balance is unknown
    expect(broken.calls.settle).toBe(3)
    expect(settlements[0]).toMatchObject({ status: 'failed', charged: 0 })
    expect(ledger.holds().find((x) => x.id === h.id)?.status).toBe('active')
    const line = logger.settled()[0]!
    expect(line.level).toBe('error')
    expect(line.obj).toMatchObject({
      holdId: h.id,
      amount: 1,
      idempotencyKey: `settle:${h.id}`,
      userId: USER,
      runId: 'run_1',
    })
    expect(String(line.obj.action)).toContain(`settle:${h.id}`)
  })

  it('bills directly (never overdrawing) when the sweeper expired the hold before settlement', async () => {
    let clock = Date.now()
    ledger = createMemoryLedger({ now: () => clock })
    await ledger.ensureUser({ userId: USER, initialCredits: 100 })
    const h = await ledger.reserve({
      userId: USER,
      amount: 10,
      idempotencyKey: 'reserve:x',
      runId: 'run_1',
      ttlMs: 1_000,
    })
    clock += 2_000
    expect((await ledger.sweepExpired()).expired).toHaveLength(1)
    const { settlements } = await meter(chunks.reply('x', { usage: chunks.usage(0, 250 * 3) }), { hold: h })
    expect(settlements[0]).toMatchObject({ status: 'settled', charged: 3, balance: 97 })
    expect(ledger.entries.at(-1)).toMatchObject({ kind: 'charge', idempotencyKey: 'charge:run_1' })
  })

  it('without a hold: charges after completion with allowPartial and never overdraws', async () => {
    ledger = createMemoryLedger()
    await ledger.ensureUser({ userId: USER, initialCredits: 3 })
    const items = chunks.reply('x', { usage: chunks.usage(0, 250 * 5) }) // 5 credits, 3 available
    const { settlements, out } = await meter(items)
    expect(settlements[0]).toMatchObject({ holdId: null, cost: 5, charged: 3, shortfall: 2, balance: 0 })
    expect(ledger.entries.at(-1)).toMatchObject({
      kind: 'charge',
      idempotencyKey: 'charge:run_1',
      shortfall: 2,
    })
    expect(creditsOf(out)[0]!.value).toEqual({ charged: 3, balance: 0, held: 0, estimated: false })
  })

  it('does not call the ledger to charge a run that cost nothing', async () => {
    const { settlements } = await meter([chunks.runStarted(), chunks.runFinished()])
    expect(settlements[0]).toMatchObject({ charged: 0, cost: 0, balance: 1_000 })
    expect(ledger.entries.filter((e) => e.kind === 'charge')).toHaveLength(0)
  })

  it('prices with the price table it is given', async () => {
    const usage = chunks.usage(1_000, 1_000)
    const { settlements } = await meter(chunks.reply('x', { usage }), { hold: await hold() })
    const expected = priceUsage({
      model,
      usage: { uncachedInput: 1_000, cachedInput: 0, cacheWrite: 0, output: 1_000, reasoning: 0 },
    })
    expect(settlements[0]).toMatchObject({
      costMicros: expected.costMicros,
      cost: expected.credits,
      priceVersion: expected.priceVersion,
    })
  })

  it('omits the credits chunk when asked to', async () => {
    const { out } = await meter(chunks.reply('x', { usage: chunks.usage(1, 1) }), { emitCreditsChunk: false })
    expect(creditsOf(out)).toHaveLength(0)
  })

  it('survives a logger and an onSettled callback that throw', async () => {
    const bad = {
      info: () => {
        throw new Error('log')
      },
      warn: () => {
        throw new Error('log')
      },
      error: () => {
        throw new Error('log')
      },
    }
    const items = chunks.reply('x', { usage: chunks.usage(1, 1) })
    const out = await collect(
      meterStream(chunks.stream(items), {
        ledger,
        model,
        userId: USER,
        logger: bad,
        onSettled: () => {
          throw new Error('callback')
        },
      }),
    )
    expect(out).toHaveLength(items.length + 1)
  })

  it.each([
    ['an unknown model (fails closed)', { model: 'gpt-unknown', userId: USER }, UnknownModelError],
    ['neither a hold nor a user', { model }, TypeError],
  ])('rejects %s before streaming', (_name, opts, error) => {
    expect(() => meterStream(chunks.stream([]), { ledger, ...opts })).toThrow(error)
  })

  it('rejects a hold that belongs to another user', async () => {
    const h = await hold()
    expect(() => meterStream(chunks.stream([]), { ledger, model, hold: h, userId: 'someone_else' })).toThrow(
      TypeError,
    )
  })
})
