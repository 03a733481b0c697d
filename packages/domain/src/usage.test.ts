import { fromSpecTokenUsage, type TokenUsage, toSpecTokenUsage } from '@tanstack/ai'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from './errors'
import {
  addUsage,
  conventionForModel,
  EMPTY_POOLS,
  inputTokensOf,
  normalizeUsage,
  outputTokensOf,
  POOL_NAMES,
  type SpecUsageLike,
  type TokenUsageLike,
  totalTokensOf,
  type UsageConvention,
  type UsagePools,
} from './usage'

function expectValidPools(pools: UsagePools): void {
  expect(Object.keys(pools).sort()).toEqual([...POOL_NAMES].sort())
  for (const name of POOL_NAMES) {
    expect(Number.isSafeInteger(pools[name]), name).toBe(true)
    expect(pools[name], name).toBeGreaterThanOrEqual(0)
  }
}

/**
 * Provider usages as TanStack AI's adapters report them, with the provider's own total.
 * - OpenAI: prompt_tokens includes cached; completion_tokens includes reasoning; total = prompt + completion.
 * - Anthropic (buildAnthropicUsage): promptTokens = input_tokens, which EXCLUDES cache reads/writes; the
 *   provider's total is input + cache read + cache write + output.
 * - Gemini (buildGeminiUsage): promptTokenCount includes cachedContentTokenCount; candidatesTokenCount
 *   excludes thoughtsTokenCount; totalTokenCount = prompt + toolUsePrompt + candidates + thoughts.
 */
const PROVIDER_CASES: Array<{
  name: string
  convention: UsageConvention
  /** Typed as `@tanstack/ai`'s own TokenUsage: proves it is assignable to TokenUsageLike. */
  usage: TokenUsage
  providerTotal: number
  expected: UsagePools
}> = [
  {
    name: 'openai with cached and reasoning tokens',
    convention: 'openai',
    usage: {
      promptTokens: 1000,
      completionTokens: 300,
      totalTokens: 1300,
      promptTokensDetails: { cachedTokens: 400 },
      completionTokensDetails: { reasoningTokens: 120 },
    },
    providerTotal: 1300,
    expected: { uncachedInput: 600, cachedInput: 400, cacheWrite: 0, output: 180, reasoning: 120 },
  },
  {
    name: 'openai without details',
    convention: 'openai',
    usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
    providerTotal: 15,
    expected: { uncachedInput: 10, cachedInput: 0, cacheWrite: 0, output: 5, reasoning: 0 },
  },
  {
    name: 'openai-compatible with cache writes inside the prompt',
    convention: 'openai',
    usage: {
      promptTokens: 1000,
      completionTokens: 50,
      totalTokens: 1050,
      promptTokensDetails: { cachedTokens: 300, cacheWriteTokens: 200 },
    },
    providerTotal: 1050,
    expected: { uncachedInput: 500, cachedInput: 300, cacheWrite: 200, output: 50, reasoning: 0 },
  },
  {
    name: 'anthropic with cache reads and writes beside the prompt',
    convention: 'anthropic',
    usage: {
      promptTokens: 50,
      completionTokens: 200,
      totalTokens: 250, // TanStack's anthropic adapter: input_tokens + output_tokens only
      promptTokensDetails: { cachedTokens: 3000, cacheWriteTokens: 1000 },
      providerUsageDetails: { serverToolUse: {} },
    },
    providerTotal: 50 + 3000 + 1000 + 200,
    expected: { uncachedInput: 50, cachedInput: 3000, cacheWrite: 1000, output: 200, reasoning: 0 },
  },
  {
    name: 'anthropic with thinking reported inside output',
    convention: 'anthropic',
    usage: {
      promptTokens: 100,
      completionTokens: 500,
      totalTokens: 600,
      completionTokensDetails: { reasoningTokens: 320 },
    },
    providerTotal: 600,
    expected: { uncachedInput: 100, cachedInput: 0, cacheWrite: 0, output: 180, reasoning: 320 },
  },
  {
    name: 'gemini with cached content and thoughts beside candidates',
    convention: 'gemini',
    usage: {
      promptTokens: 100,
      completionTokens: 20,
      totalTokens: 150,
      promptTokensDetails: { cachedTokens: 40 },
      completionTokensDetails: { reasoningTokens: 30 },
    },
    providerTotal: 150,
    expected: { uncachedInput: 60, cachedInput: 40, cacheWrite: 0, output: 20, reasoning: 30 },
  },
  {
    name: 'gemini with tool-use prompt tokens in providerUsageDetails',
    convention: 'gemini',
    usage: {
      promptTokens: 800,
      completionTokens: 60,
      totalTokens: 800 + 150 + 60 + 90,
      promptTokensDetails: { cachedTokens: 500, textTokens: 800 },
      completionTokensDetails: { reasoningTokens: 90 },
      providerUsageDetails: { toolUsePromptTokenCount: 150, trafficType: 'ON_DEMAND' },
    },
    providerTotal: 1100,
    expected: { uncachedInput: 450, cachedInput: 500, cacheWrite: 0, output: 60, reasoning: 90 },
  },
]

describe('normalizeUsage per provider', () => {
  it.each(PROVIDER_CASES)('$name', ({ usage, convention, expected, providerTotal }) => {
    const pools = normalizeUsage(usage, convention)
    expectValidPools(pools)
    expect(pools).toEqual(expected)
    // No double counting: the pools add up to exactly what the provider counted.
    expect(totalTokensOf(pools)).toBe(providerTotal)
  })

  it('TanStack totalTokens equals the pool sum for openai and gemini (they report the full total)', () => {
    for (const c of PROVIDER_CASES.filter((c) => c.convention !== 'anthropic')) {
      expect(totalTokensOf(normalizeUsage(c.usage, c.convention))).toBe(c.usage.totalTokens)
    }
  })

  it('reads the AG-UI spec usage[] array form (what RUN_FINISHED carries over SSE)', () => {
    const spec: SpecUsageLike[] = [
      {
        provider: 'gemini',
        model: 'gemini-2.5-flash',
        inputTokens: 100,
        outputTokens: 20,
        totalTokens: 150,
        cachedInputTokens: 40,
        reasoningTokens: 30,
      },
    ]
    const pools = normalizeUsage(spec, 'gemini')
    expect(pools).toEqual({ uncachedInput: 60, cachedInput: 40, cacheWrite: 0, output: 20, reasoning: 30 })
    expect(totalTokensOf(pools)).toBe(150)
  })

  it('sums several usage[] items', () => {
    const spec: SpecUsageLike[] = [
      { inputTokens: 100, outputTokens: 10, cachedInputTokens: 50, reasoningTokens: 4 },
      { inputTokens: 200, outputTokens: 20, reasoningTokens: 5 },
    ]
    expect(normalizeUsage(spec, 'openai')).toEqual({
      uncachedInput: 250,
      cachedInput: 50,
      cacheWrite: 0,
      output: 21,
      reasoning: 9,
    })
    expect(normalizeUsage([], 'openai')).toEqual(EMPTY_POOLS)
  })

  it.each(
    PROVIDER_CASES.filter(
      (c) => !c.usage.promptTokensDetails?.cacheWriteTokens && !c.usage.providerUsageDetails,
    ),
  )('the real @tanstack/ai spec round trip gives the same pools: $name', ({ usage, convention }) => {
    const tokenUsage = usage as TokenUsage
    const { usage: spec } = toSpecTokenUsage(tokenUsage, { provider: 'x', model: 'y' })
    expect(normalizeUsage(spec, convention)).toEqual(normalizeUsage(tokenUsage, convention))
    const back = fromSpecTokenUsage(spec)
    expect(normalizeUsage(back, convention)).toEqual(normalizeUsage(tokenUsage, convention))
  })
})

describe('normalizeUsage never goes negative on inconsistent input', () => {
  const conventions: UsageConvention[] = ['openai', 'anthropic', 'gemini']
  const BAD: Array<[string, TokenUsageLike]> = [
    ['cached > prompt', { promptTokens: 10, completionTokens: 5, promptTokensDetails: { cachedTokens: 50 } }],
    [
      'cached + cache write > prompt',
      {
        promptTokens: 10,
        completionTokens: 5,
        promptTokensDetails: { cachedTokens: 8, cacheWriteTokens: 8 },
      },
    ],
    [
      'reasoning > completion',
      { promptTokens: 10, completionTokens: 5, completionTokensDetails: { reasoningTokens: 9 } },
    ],
    [
      'negative counts',
      { promptTokens: -10, completionTokens: -5, promptTokensDetails: { cachedTokens: -3 } },
    ],
    ['NaN counts', { promptTokens: Number.NaN, completionTokens: Number.NaN, totalTokens: Number.NaN }],
    ['Infinity', { promptTokens: Number.POSITIVE_INFINITY, completionTokens: 1 }],
    ['fractions', { promptTokens: 10.7, completionTokens: 2.2, promptTokensDetails: { cachedTokens: 3.9 } }],
    ['strings', { promptTokens: '10', completionTokens: '5' } as unknown as TokenUsageLike],
    ['past 2^53', { promptTokens: 1e300, completionTokens: 1 }],
    [
      'negative tool-use tokens',
      { promptTokens: 10, providerUsageDetails: { toolUsePromptTokenCount: -99 } },
    ],
    ['empty object', {}],
  ]
  const cells = BAD.flatMap(([label, usage]) => conventions.map((c) => [label, c, usage] as const))
  it.each(cells)('%s (%s)', (_label, convention, usage) => {
    expectValidPools(normalizeUsage(usage, convention))
  })

  it('clamps subsets to what contains them', () => {
    expect(normalizeUsage(BAD[0]![1], 'openai')).toEqual({
      uncachedInput: 0,
      cachedInput: 10,
      cacheWrite: 0,
      output: 5,
      reasoning: 0,
    })
    expect(normalizeUsage(BAD[1]![1], 'openai')).toMatchObject({
      uncachedInput: 0,
      cachedInput: 8,
      cacheWrite: 2,
    })
    expect(normalizeUsage(BAD[2]![1], 'openai')).toMatchObject({ output: 0, reasoning: 5 })
    expect(normalizeUsage(BAD[6]![1], 'openai')).toEqual({
      uncachedInput: 7,
      cachedInput: 3,
      cacheWrite: 0,
      output: 2,
      reasoning: 0,
    })
  })

  it.each([null, undefined, 42, 'usage'])('treats %j as no usage', (usage) => {
    expect(normalizeUsage(usage as unknown as TokenUsageLike, 'gemini')).toEqual(EMPTY_POOLS)
  })

  it('rejects an unknown convention instead of guessing', () => {
    expect(() => normalizeUsage({ promptTokens: 1 }, 'mistral' as UsageConvention)).toThrow(
      InvalidArgumentError,
    )
  })
})

describe('adding usages', () => {
  it('addUsage sums three model calls of an agent loop pool by pool', () => {
    const calls = [
      normalizeUsage(PROVIDER_CASES[5]!.usage, 'gemini'),
      normalizeUsage(PROVIDER_CASES[6]!.usage, 'gemini'),
      normalizeUsage({ promptTokens: 7, completionTokens: 3, totalTokens: 10 }, 'gemini'),
    ]
    const sum = addUsage(...calls)
    expect(sum).toEqual({
      uncachedInput: 60 + 450 + 7,
      cachedInput: 540,
      cacheWrite: 0,
      output: 83,
      reasoning: 120,
    })
    expect(totalTokensOf(sum)).toBe(150 + 1100 + 10)
    expect(inputTokensOf(sum)).toBe(sum.uncachedInput + sum.cachedInput + sum.cacheWrite)
    expect(outputTokensOf(sum)).toBe(sum.output + sum.reasoning)
    // Inputs are left untouched.
    expect(calls[0]).toEqual(PROVIDER_CASES[5]!.expected)
  })

  it('addUsage of nothing is the empty usage, and a fresh object', () => {
    const empty = addUsage()
    expect(empty).toEqual(EMPTY_POOLS)
    empty.output = 5
    expect(EMPTY_POOLS.output).toBe(0)
    expect(Object.isFrozen(EMPTY_POOLS)).toBe(true)
  })
})

describe('conventionForModel', () => {
  it.each([
    ['gemini-2.5-flash', 'gemini'],
    ['gemini-3.1-pro-preview', 'gemini'],
    ['claude-sonnet-4-5', 'anthropic'],
    ['gpt-4o', 'openai'],
    ['demo-model', 'openai'],
  ] as const)('%s -> %s', (model, convention) => {
    expect(conventionForModel(model)).toBe(convention)
  })
})
