import { UnknownModelError } from './errors'
import type { UsageConvention, UsagePools } from './usage'
import { addUsage, POOL_NAMES } from './usage'

/**
 * Price of one model, in whole credits per million tokens for each non-overlapping pool.
 * Because prices are per million, `tokens * price` is the exact cost in micro-credits: integer maths only.
 */
export interface ModelPrice {
  /** Model id as the adapter knows it. */
  model: string
  /** Human label for pickers. */
  label: string
  /** Whose usage convention the adapter reports in. */
  provider: UsageConvention
  /** True for the built-in demo model. */
  demo?: boolean
  uncachedInput: number
  cachedInput: number
  cacheWrite: number
  output: number
  reasoning: number
  /** Largest output the model may produce in one call (caps reservations). */
  maxOutputTokens: number
  /** Largest prompt the model accepts. */
  contextWindow: number
}

/** A versioned price table. Every charge row records the version it was priced with (I7). */
export interface PriceTable {
  version: string
  models: Readonly<Record<string, ModelPrice>>
}

/** How the exact micro-credit cost is turned into whole credits. Applied once per run. */
export type RoundingRule = 'up' | 'down' | 'nearest'

/** Micro-credits in one credit. */
export const MICROS_PER_CREDIT = 1_000_000

/** The demo model's id. */
export const DEMO_MODEL = 'demo-model'

/**
 * Build a Gemini price from USD per million tokens (1 credit = $0.001, so credits/M = USD/M x 1000).
 * Gemini bills thinking as output and has no separate cache-write price (storage is billed per hour).
 */
function gemini(
  model: string,
  label: string,
  inputUsd: number,
  outputUsd: number,
  cachedUsd?: number,
): ModelPrice {
  const input = Math.round(inputUsd * 1000)
  const output = Math.round(outputUsd * 1000)
  return {
    model,
    label,
    provider: 'gemini',
    uncachedInput: input,
    cachedInput: cachedUsd === undefined ? Math.round(input / 4) : Math.round(cachedUsd * 1000),
    cacheWrite: input,
    output,
    reasoning: output,
    maxOutputTokens: 65_536,
    contextWindow: 1_048_576,
  }
}

const models: ModelPrice[] = [
  {
    model: DEMO_MODEL,
    label: 'Demo model (offline)',
    provider: 'openai',
    demo: true,
    uncachedInput: 1_000,
    cachedInput: 250,
    cacheWrite: 1_000,
    output: 4_000,
    reasoning: 4_000,
    maxOutputTokens: 4_096,
    contextWindow: 128_000,
  },
  gemini('gemini-3.8-flash', 'Gemini 3.8 Flash', 0.75, 3.75, 0.075),
  gemini('gemini-3.7-flash', 'Gemini 3.7 Flash', 0.75, 3.75, 0.075),
  gemini('gemini-3.6-flash', 'Gemini 3.6 Flash', 1.5, 7.5, 0.15),
  gemini('gemini-3.5-flash', 'Gemini 3.5 Flash', 1.5, 9, 0.15),
  gemini('gemini-3.5-flash-lite', 'Gemini 3.5 Flash-Lite', 0.3, 2.5, 0.03),
  gemini('gemini-3.1-pro-preview', 'Gemini 3.1 Pro (preview)', 2.5, 15),
  gemini('gemini-3-flash-preview', 'Gemini 3 Flash (preview)', 0.5, 3),
  gemini('gemini-3.1-flash-lite', 'Gemini 3.1 Flash-Lite', 0.25, 1.5),
  gemini('gemini-3.1-flash-lite-preview', 'Gemini 3.1 Flash-Lite (preview)', 0.25, 1.5),
  gemini('gemini-2.5-pro', 'Gemini 2.5 Pro', 2.5, 15),
  gemini('gemini-2.5-flash', 'Gemini 2.5 Flash', 1, 2.5),
  gemini('gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite', 0.1, 0.4),
]

/**
 * The default price table: the demo model and the Gemini text models `@tanstack/ai-gemini` lists.
 * Bump `version` whenever a price changes; old charge rows keep the version they were priced with.
 *
 * @example
 * ```ts
 * PRICE_TABLE.models['gemini-2.5-flash']?.output // 2500 credits per million output tokens
 * ```
 */
export const PRICE_TABLE: PriceTable = Object.freeze({
  version: '2026-12-01',
  models: Object.freeze(Object.fromEntries(models.map((m) => [m.model, Object.freeze(m)]))),
})

/**
 * Look a model up, failing closed: an unknown model is an error, never free.
 *
 * @example
 * ```ts
 * const price = getModelPrice('gemini-2.5-flash')
 * ```
 */
export function getModelPrice(model: string, prices: PriceTable = PRICE_TABLE): ModelPrice {
  const price = Object.hasOwn(prices.models, model) ? prices.models[model] : undefined
  if (!price) throw new UnknownModelError(model, prices.version)
  return price
}

/**
 * Round micro-credits to whole credits by an explicit rule (default `up`: a run that used anything costs >= 1).
 *
 * @example
 * ```ts
 * roundMicros(1_000_001) // 2
 * roundMicros(1_500_000, 'nearest') // 2
 * ```
 */
export function roundMicros(micros: number, rounding: RoundingRule = 'up'): number {
  if (!Number.isSafeInteger(micros) || micros < 0)
    throw new RangeError(`micros must be a whole number >= 0, got ${micros}`)
  const whole = Math.floor(micros / MICROS_PER_CREDIT)
  const rest = micros - whole * MICROS_PER_CREDIT
  switch (rounding) {
    case 'up':
      return rest > 0 ? whole + 1 : whole
    case 'down':
      return whole
    case 'nearest':
      // Half rounds up, so `nearest` never favours the user on an exact tie.
      return rest * 2 >= MICROS_PER_CREDIT ? whole + 1 : whole
    default:
      throw new RangeError(`unknown rounding rule ${JSON.stringify(rounding)}`)
  }
}

/** The exact and rounded cost of a usage. */
export interface PricedUsage {
  model: string
  priceVersion: string
  /** The pools priced (summed over every model call passed in). */
  pools: UsagePools
  /** Exact cost in integer micro-credits, before rounding (recorded as the unrounded cost, I7). */
  costMicros: number
  /** Whole credits after rounding once. */
  credits: number
  rounding: RoundingRule
}

/** Token counts priced by this module must be safe whole numbers >= 0; a bad count must never lower a bill. */
function assertTokens(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be a whole number >= 0, got ${String(value)}`)
  return value
}

function microsOf(pools: UsagePools, price: ModelPrice): number {
  for (const name of POOL_NAMES) assertTokens(name, pools[name])
  const micros =
    pools.uncachedInput * price.uncachedInput +
    pools.cachedInput * price.cachedInput +
    pools.cacheWrite * price.cacheWrite +
    pools.output * price.output +
    pools.reasoning * price.reasoning
  if (!Number.isSafeInteger(micros)) throw new RangeError('usage too large to price exactly')
  return micros
}

/**
 * Price the usage of one or more model calls of a run: exact integer micro-credits over all calls, rounded once.
 *
 * @example
 * ```ts
 * const { credits, costMicros, priceVersion } = priceUsage({ model: 'gemini-2.5-flash', usage: [call1, call2] })
 * ```
 */
export function priceUsage(input: {
  model: string
  usage: UsagePools | readonly UsagePools[]
  prices?: PriceTable
  rounding?: RoundingRule
}): PricedUsage {
  const prices = input.prices ?? PRICE_TABLE
  const rounding = input.rounding ?? 'up'
  const price = getModelPrice(input.model, prices)
  const pools = Array.isArray(input.usage)
    ? addUsage(...(input.usage as UsagePools[]))
    : addUsage(input.usage as UsagePools)
  const costMicros = microsOf(pools, price)
  return {
    model: input.model,
    priceVersion: prices.version,
    pools,
    costMicros,
    credits: roundMicros(costMicros, rounding),
    rounding,
  }
}

/** The dearest price an input token can be billed at (a cache write may cost more than a plain read). */
function worstInputPrice(price: ModelPrice): number {
  return Math.max(price.uncachedInput, price.cachedInput, price.cacheWrite)
}

/** The dearest price an output token can be billed at (visible or reasoning). */
function worstOutputPrice(price: ModelPrice): number {
  return Math.max(price.output, price.reasoning)
}

/**
 * The worst-case cost of a call before it runs: every prompt token at the dearest input price and every
 * allowed output token at the dearer of the output and reasoning prices. This is what a reservation holds.
 *
 * @example
 * ```ts
 * worstCaseCost({ model: 'demo-model', promptTokens: 120, maxOutputTokens: 1024 }).credits
 * ```
 */
export function worstCaseCost(input: {
  model: string
  promptTokens: number
  maxOutputTokens: number
  prices?: PriceTable
}): { costMicros: number; credits: number } {
  const price = getModelPrice(input.model, input.prices)
  const promptTokens = assertTokens('promptTokens', input.promptTokens)
  const maxOutputTokens = assertTokens('maxOutputTokens', input.maxOutputTokens)
  const costMicros = promptTokens * worstInputPrice(price) + maxOutputTokens * worstOutputPrice(price)
  if (!Number.isSafeInteger(costMicros)) throw new RangeError('usage too large to price exactly')
  return { costMicros, credits: roundMicros(costMicros, 'up') }
}

/**
 * How many output tokens `budgetCredits` affords after paying for the prompt at worst-case prices, capped at
 * the model's `maxOutputTokens`. Returns 0 when the prompt alone is not affordable.
 *
 * @example
 * ```ts
 * affordableOutputTokens({ model: 'demo-model', promptTokens: 100, budgetCredits: 2 }) // 475
 * ```
 */
export function affordableOutputTokens(input: {
  model: string
  promptTokens: number
  budgetCredits: number
  prices?: PriceTable
}): number {
  const price = getModelPrice(input.model, input.prices)
  const promptTokens = assertTokens('promptTokens', input.promptTokens)
  const budgetCredits = assertTokens('budgetCredits', input.budgetCredits)
  const outputPrice = worstOutputPrice(price)
  // Invariant: worstCaseCost({ promptTokens, maxOutputTokens: result }).credits <= budgetCredits.
  const left = budgetCredits * MICROS_PER_CREDIT - promptTokens * worstInputPrice(price)
  if (left <= 0) return 0
  if (outputPrice === 0) return price.maxOutputTokens
  return Math.min(price.maxOutputTokens, Math.floor(left / outputPrice))
}
