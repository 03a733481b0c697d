import { GEMINI_MODELS } from '@tanstack/ai-gemini'
import { describe, expect, it } from 'vitest'
import { UnknownModelError } from './errors'
import {
  affordableOutputTokens,
  DEMO_MODEL,
  getModelPrice,
  MICROS_PER_CREDIT,
  type ModelPrice,
  PRICE_TABLE,
  type PriceTable,
  priceUsage,
  type RoundingRule,
  roundMicros,
  worstCaseCost,
} from './prices'
import { EMPTY_POOLS, POOL_NAMES, type PoolName, type UsagePools } from './usage'

const MODELS = Object.values(PRICE_TABLE.models)
const pools = (partial: Partial<UsagePools>): UsagePools => ({ ...EMPTY_POOLS, ...partial })

describe('PRICE_TABLE', () => {
  it('is versioned and includes the demo model', () => {
    expect(PRICE_TABLE.version).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    const demo = getModelPrice(DEMO_MODEL)
    expect(demo.demo).toBe(true)
    expect(MODELS.filter((m) => m.demo)).toEqual([demo])
  })

  it.each(GEMINI_MODELS.map((m) => [m]))('prices %s, a text model @tanstack/ai-gemini lists', (model) => {
    const price = getModelPrice(model)
    expect(price.provider).toBe('gemini')
    expect(price.model).toBe(model)
  })

  it('keys every model by its own id', () => {
    for (const [key, price] of Object.entries(PRICE_TABLE.models)) expect(price.model).toBe(key)
  })

  it('is frozen so nobody can make a model free at runtime', () => {
    expect(Object.isFrozen(PRICE_TABLE)).toBe(true)
    expect(Object.isFrozen(PRICE_TABLE.models)).toBe(true)
    for (const price of MODELS) expect(Object.isFrozen(price)).toBe(true)
  })

  const cells = MODELS.flatMap((price) => POOL_NAMES.map((pool) => [price.model, pool, price] as const))
  it.each(cells)('%s / %s: 1M tokens cost exactly the listed price in micros', (model, pool, price) => {
    const listed = price[pool]
    expect(Number.isSafeInteger(listed)).toBe(true)
    expect(listed).toBeGreaterThanOrEqual(0)
    const priced = priceUsage({ model, usage: pools({ [pool]: 1_000_000 }) })
    expect(priced.costMicros).toBe(listed * MICROS_PER_CREDIT)
    expect(priced.credits).toBe(listed)
    // One token costs the listed price in micro-credits, rounded up to a whole credit when > 0.
    const one = priceUsage({ model, usage: pools({ [pool]: 1 }) })
    expect(one.costMicros).toBe(listed)
    expect(one.credits).toBe(listed > 0 ? 1 : 0)
  })

  it.each(MODELS.map((m) => [m.model, m] as const))('%s has sane limits and non-free output', (_m, price) => {
    expect(Number.isSafeInteger(price.maxOutputTokens) && price.maxOutputTokens > 0).toBe(true)
    expect(Number.isSafeInteger(price.contextWindow) && price.contextWindow > 0).toBe(true)
    expect(price.output).toBeGreaterThan(0)
    expect(price.uncachedInput).toBeGreaterThan(0)
    // A cache read is never dearer than a fresh read.
    expect(price.cachedInput).toBeLessThanOrEqual(price.uncachedInput)
  })
})

describe('getModelPrice fails closed', () => {
  it.each([
    'gpt-9',
    '',
    'GEMINI-2.5-FLASH',
    ' gemini-2.5-flash',
    'toString',
    '__proto__',
    'constructor',
    'hasOwnProperty',
    'valueOf',
  ])('%j -> UnknownModelError (never 0)', (model) => {
    expect(() => getModelPrice(model)).toThrow(UnknownModelError)
    expect(() => priceUsage({ model, usage: pools({ output: 10 }) })).toThrow(UnknownModelError)
    expect(() => worstCaseCost({ model, promptTokens: 1, maxOutputTokens: 1 })).toThrow(UnknownModelError)
    expect(() => affordableOutputTokens({ model, promptTokens: 1, budgetCredits: 100 })).toThrow(
      UnknownModelError,
    )
    try {
      getModelPrice(model)
    } catch (err) {
      expect((err as UnknownModelError).model).toBe(model)
      expect((err as UnknownModelError).code).toBe('unknown_model')
    }
  })

  it('looks models up in a custom table', () => {
    const custom: PriceTable = {
      version: 'custom-1',
      models: { 'm-1': { ...getModelPrice(DEMO_MODEL), model: 'm-1', demo: false } },
    }
    expect(getModelPrice('m-1', custom).model).toBe('m-1')
    expect(() => getModelPrice(DEMO_MODEL, custom)).toThrow(/price table custom-1/)
    expect(priceUsage({ model: 'm-1', usage: pools({ output: 1 }), prices: custom }).priceVersion).toBe(
      'custom-1',
    )
  })
})

describe('roundMicros', () => {
  const table: Array<[number, RoundingRule, number]> = [
    [0, 'up', 0],
    [0, 'down', 0],
    [0, 'nearest', 0],
    [1, 'up', 1],
    [1, 'down', 0],
    [1, 'nearest', 0],
    [999_999, 'up', 1],
    [999_999, 'down', 0],
    [999_999, 'nearest', 1],
    [1_000_000, 'up', 1],
    [1_000_000, 'down', 1],
    [1_000_000, 'nearest', 1],
    [1_000_001, 'up', 2],
    [1_000_001, 'down', 1],
    [1_000_001, 'nearest', 1],
    [1_499_999, 'up', 2],
    [1_499_999, 'down', 1],
    [1_499_999, 'nearest', 1],
    [1_500_000, 'up', 2],
    [1_500_000, 'down', 1],
    [1_500_000, 'nearest', 2],
    [Number.MAX_SAFE_INTEGER, 'down', Math.floor(Number.MAX_SAFE_INTEGER / 1e6)],
  ]
  it.each(table)('%i micros rounded %s = %i', (micros, rule, credits) => {
    expect(roundMicros(micros, rule)).toBe(credits)
  })

  it('rounds up by default', () => {
    expect(roundMicros(1)).toBe(1)
    expect(roundMicros(1_000_001)).toBe(2)
  })

  it.each([-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('rejects %s micros', (micros) => {
    expect(() => roundMicros(micros)).toThrow(RangeError)
  })

  it('rejects an unknown rule', () => {
    expect(() => roundMicros(1, 'sideways' as RoundingRule)).toThrow(/unknown rounding rule/)
  })
})

describe('priceUsage', () => {
  it('prices every pool at its own rate and rounds once over all calls', () => {
    const flash = getModelPrice('gemini-2.5-flash')
    const call = pools({ uncachedInput: 100, cachedInput: 40, output: 20, reasoning: 30 })
    const expectedOne =
      100 * flash.uncachedInput + 40 * flash.cachedInput + 20 * flash.output + 30 * flash.reasoning
    const priced = priceUsage({ model: 'gemini-2.5-flash', usage: [call, call, call] })
    expect(priced.costMicros).toBe(3 * expectedOne)
    expect(priced.pools).toEqual({
      uncachedInput: 300,
      cachedInput: 120,
      cacheWrite: 0,
      output: 60,
      reasoning: 90,
    })
    expect(priced.credits).toBe(Math.ceil((3 * expectedOne) / 1e6))
    // Rounding each call separately would over-charge: 3 x ceil(one) > ceil(3 x one).
    expect(3 * roundMicros(expectedOne)).toBeGreaterThan(priced.credits)
    expect(priced).toMatchObject({
      model: 'gemini-2.5-flash',
      priceVersion: PRICE_TABLE.version,
      rounding: 'up',
    })
  })

  it('charges nothing for an empty usage and honours the rounding rule', () => {
    expect(priceUsage({ model: DEMO_MODEL, usage: [] }).credits).toBe(0)
    expect(priceUsage({ model: DEMO_MODEL, usage: EMPTY_POOLS }).costMicros).toBe(0)
    const usage = pools({ output: 100 }) // 100 x 4000 = 400_000 micros
    expect(priceUsage({ model: DEMO_MODEL, usage }).credits).toBe(1)
    expect(priceUsage({ model: DEMO_MODEL, usage, rounding: 'down' }).credits).toBe(0)
    expect(priceUsage({ model: DEMO_MODEL, usage, rounding: 'nearest' }).credits).toBe(0)
  })

  it.each([
    ['negative', -1],
    ['fractional', 0.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', '5'],
  ])('rejects a %s pool rather than lowering the bill', (_label, bad) => {
    for (const pool of POOL_NAMES) {
      const usage = { ...pools({ output: 1000 }), [pool as PoolName]: bad } as unknown as UsagePools
      expect(() => priceUsage({ model: DEMO_MODEL, usage })).toThrow(RangeError)
    }
  })

  it('refuses usage too large to price exactly', () => {
    expect(() => priceUsage({ model: DEMO_MODEL, usage: pools({ output: 2 ** 52 }) })).toThrow(/too large/)
  })
})

describe('worstCaseCost and affordableOutputTokens', () => {
  const demo = getModelPrice(DEMO_MODEL)

  it('holds every prompt token at the dearest input price and every output token at the dearest output price', () => {
    const w = worstCaseCost({ model: DEMO_MODEL, promptTokens: 120, maxOutputTokens: 1024 })
    expect(w.costMicros).toBe(120 * 1000 + 1024 * 4000)
    expect(w.credits).toBe(5)
    expect(worstCaseCost({ model: DEMO_MODEL, promptTokens: 0, maxOutputTokens: 0 })).toEqual({
      costMicros: 0,
      credits: 0,
    })
  })

  it('uses a cache-write price dearer than the input price and a reasoning price dearer than output', () => {
    const dear: ModelPrice = { ...demo, model: 'dear', cacheWrite: 1250, reasoning: 5000 }
    const prices: PriceTable = { version: 't', models: { dear } }
    expect(
      worstCaseCost({ model: 'dear', promptTokens: 1000, maxOutputTokens: 100, prices }).costMicros,
    ).toBe(1000 * 1250 + 100 * 5000)
    expect(affordableOutputTokens({ model: 'dear', promptTokens: 0, budgetCredits: 1, prices })).toBe(200)
  })

  it.each([
    ['promptTokens', { promptTokens: -1, maxOutputTokens: 1000 }],
    ['promptTokens', { promptTokens: 0.5, maxOutputTokens: 10 }],
    ['maxOutputTokens', { promptTokens: 10, maxOutputTokens: Number.NaN }],
    ['maxOutputTokens', { promptTokens: 10, maxOutputTokens: -5 }],
  ])('worstCaseCost rejects a bad %s', (name, counts) => {
    expect(() => worstCaseCost({ model: DEMO_MODEL, ...counts })).toThrow(name)
  })

  it.each([
    // [promptTokens, budgetCredits, expected]
    [100, 2, 475], // (2e6 - 100e3) / 4000
    [0, 1, 250],
    [0, 0, 0], // nothing to spend
    [2000, 2, 0], // prompt alone eats the whole budget
    [2001, 2, 0], // prompt alone is not affordable
    [1999, 2, 0], // 1000 micros left: less than one output token
    [1996, 2, 1], // 4000 micros left: exactly one token
    [0, 1_000_000, demo.maxOutputTokens], // capped at the model's maximum
  ])('prompt %i tokens with %i credits affords %i output tokens', (promptTokens, budgetCredits, expected) => {
    const tokens = affordableOutputTokens({ model: DEMO_MODEL, promptTokens, budgetCredits })
    expect(tokens).toBe(expected)
    if (tokens > 0) {
      // The invariant a reservation relies on: the lowered cap still fits the budget ...
      expect(
        worstCaseCost({ model: DEMO_MODEL, promptTokens, maxOutputTokens: tokens }).credits,
      ).toBeLessThanOrEqual(budgetCredits)
      // ... and one more token would not, unless the cap is the model's maximum.
      if (tokens < demo.maxOutputTokens) {
        expect(
          worstCaseCost({ model: DEMO_MODEL, promptTokens, maxOutputTokens: tokens + 1 }).costMicros,
        ).toBeGreaterThan(budgetCredits * MICROS_PER_CREDIT)
      }
    }
  })

  it('every priced model: the affordable cap never exceeds the budget', () => {
    for (const price of MODELS) {
      for (const [promptTokens, budgetCredits] of [
        [0, 1],
        [1234, 7],
        [50_000, 3],
        [10, 100_000],
      ] as const) {
        const tokens = affordableOutputTokens({ model: price.model, promptTokens, budgetCredits })
        expect(tokens).toBeLessThanOrEqual(price.maxOutputTokens)
        if (tokens > 0)
          expect(
            worstCaseCost({ model: price.model, promptTokens, maxOutputTokens: tokens }).credits,
          ).toBeLessThanOrEqual(budgetCredits)
      }
    }
  })

  it('returns the model maximum when output is free', () => {
    const free: ModelPrice = { ...demo, model: 'free-out', output: 0, reasoning: 0 }
    const prices: PriceTable = { version: 't', models: { 'free-out': free } }
    expect(affordableOutputTokens({ model: 'free-out', promptTokens: 10, budgetCredits: 1, prices })).toBe(
      demo.maxOutputTokens,
    )
  })

  it.each([
    ['budgetCredits', { promptTokens: 1, budgetCredits: Number.NaN }],
    ['budgetCredits', { promptTokens: 1, budgetCredits: -1 }],
    ['budgetCredits', { promptTokens: 1, budgetCredits: 1.5 }],
    ['promptTokens', { promptTokens: -10, budgetCredits: 5 }],
  ])('affordableOutputTokens rejects a bad %s instead of returning NaN', (name, input) => {
    expect(() => affordableOutputTokens({ model: DEMO_MODEL, ...input })).toThrow(name)
  })
})
