import {
  affordableOutputTokens,
  DEMO_MODEL,
  InsufficientCreditsError,
  InvalidArgumentError,
  UnknownModelError,
  worstCaseCost,
} from '@10xstudent/domain'
import { beforeEach, describe, expect, it } from 'vitest'
import { reserveForChat } from './reserve'
import { captureLogger } from './test-support'
import { createMemoryLedger, type MemoryLedger } from './testing'
import { countPromptTokens } from './tokens'

const USER = 'user_r'
const model = DEMO_MODEL
const messages = [{ role: 'user', content: 'Write me a poem about the sea.' }]
const promptTokens = countPromptTokens({ messages })
let ledger: MemoryLedger

async function withCredits(credits: number) {
  ledger = createMemoryLedger()
  await ledger.ensureUser({ userId: USER, initialCredits: credits })
}

beforeEach(() => withCredits(1_000))

describe('reserveForChat', () => {
  it('reserves the worst case: counted prompt + max output', async () => {
    const r = await reserveForChat({
      ledger,
      userId: USER,
      model,
      messages,
      runId: 'r1',
      maxOutputTokens: 1_000,
      logger: captureLogger(),
    })
    const expected = worstCaseCost({ model, promptTokens, maxOutputTokens: 1_000 }).credits
    expect(r).toMatchObject({
      maxOutputTokens: 1_000,
      estimate: { promptTokens, worstCaseCredits: expected, lowered: false },
    })
    expect(r.hold).toMatchObject({
      amount: expected,
      status: 'active',
      runId: 'r1',
      idempotencyKey: 'reserve:r1',
    })
    expect(await ledger.balance(USER)).toEqual({ credits: 1_000 - expected, held: expected })
  })

  it("defaults the output cap to the model's cap from the price table, and bounds a larger ask by it", async () => {
    const a = await reserveForChat({
      ledger,
      userId: USER,
      model,
      messages,
      runId: 'a',
      logger: captureLogger(),
    })
    const b = await reserveForChat({
      ledger,
      userId: USER,
      model,
      messages,
      runId: 'b',
      maxOutputTokens: 10_000_000,
      logger: captureLogger(),
    })
    expect(a.maxOutputTokens).toBe(4_096)
    expect(b.maxOutputTokens).toBe(4_096)
  })

  it('lowers the output cap to what the balance affords when that still buys a useful reply', async () => {
    await withCredits(2)
    const r = await reserveForChat({
      ledger,
      userId: USER,
      model,
      messages,
      runId: 'r',
      maxOutputTokens: 4_000,
      logger: captureLogger(),
    })
    const affordable = affordableOutputTokens({ model, promptTokens, budgetCredits: 2 })
    expect(r.maxOutputTokens).toBe(affordable)
    expect(r.estimate.lowered).toBe(true)
    expect(r.hold.amount).toBeLessThanOrEqual(2)
  })

  it('refuses with InsufficientCreditsError { required, balance } before any provider call, holding nothing', async () => {
    await withCredits(1)
    const err = await reserveForChat({
      ledger,
      userId: USER,
      model,
      messages,
      runId: 'r',
      minOutputTokens: 500,
      logger: captureLogger(),
    }).catch((e) => e)
    expect(err).toBeInstanceOf(InsufficientCreditsError)
    expect(err).toMatchObject({
      required: worstCaseCost({ model, promptTokens, maxOutputTokens: 500 }).credits,
      balance: 1,
    })
    expect(await ledger.balance(USER)).toEqual({ credits: 1, held: 0 })
  })

  it('is idempotent per run id: a retried request gets the same hold', async () => {
    const a = await reserveForChat({
      ledger,
      userId: USER,
      model,
      messages,
      runId: 'same',
      logger: captureLogger(),
    })
    const b = await reserveForChat({
      ledger,
      userId: USER,
      model,
      messages,
      runId: 'same',
      logger: captureLogger(),
    })
    expect(b.hold.id).toBe(a.hold.id)
    expect(b.hold.replayed).toBe(true)
    expect((await ledger.balance(USER)).held).toBe(a.hold.amount)
  })

  it('fails closed on an unknown model', async () => {
    await expect(
      reserveForChat({ ledger, userId: USER, model: 'gpt-9', messages, runId: 'r' }),
    ).rejects.toThrow(UnknownModelError)
  })

  it.each([
    ['maxOutputTokens 0', { maxOutputTokens: 0 }],
    ['maxOutputTokens 1.5', { maxOutputTokens: 1.5 }],
    ['maxOutputTokens NaN', { maxOutputTokens: Number.NaN }],
    ['minOutputTokens -1', { minOutputTokens: -1 }],
    ['an empty userId', { userId: '' }],
    ['an empty runId', { runId: '' }],
    ['messages that are not an array', { messages: 'hi' as unknown as unknown[] }],
    [
      'a prompt beyond the context window',
      { messages: [{ role: 'user', content: 'word '.repeat(130_000) }] },
    ],
  ])('rejects %s with InvalidArgumentError', async (_name, patch) => {
    await expect(
      reserveForChat({ ledger, userId: USER, model, messages, runId: 'r', ...patch }),
    ).rejects.toThrow(InvalidArgumentError)
    expect((await ledger.balance(USER)).held).toBe(0)
  })

  it('logs the reservation without prompt text', async () => {
    const logger = captureLogger()
    await reserveForChat({ ledger, userId: USER, model, messages, runId: 'r', logger })
    expect(logger.lines).toHaveLength(1)
    expect(JSON.stringify(logger.lines)).not.toContain('poem')
  })
})
