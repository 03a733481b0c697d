import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normalizeUsage, POOL_NAMES, type TokenUsageLike, totalTokensOf, type UsageConvention } from './usage'

const tokens = fc.integer({ min: 0, max: 10_000_000 })

/** A usage as a provider following `convention` would report it: subsets really are subsets. */
function consistentUsage(
  convention: UsageConvention,
): fc.Arbitrary<{ usage: TokenUsageLike; total: number }> {
  return fc
    .record({ prompt: tokens, completion: tokens, a: tokens, b: tokens, r: tokens, toolUse: tokens })
    .map(({ prompt, completion, a, b, r, toolUse }) => {
      switch (convention) {
        case 'openai': {
          const cached = Math.min(a, prompt)
          const cacheWrite = Math.min(b, prompt - cached)
          const reasoning = Math.min(r, completion)
          const usage: TokenUsageLike = {
            promptTokens: prompt,
            completionTokens: completion,
            totalTokens: prompt + completion,
            promptTokensDetails: { cachedTokens: cached, cacheWriteTokens: cacheWrite },
            completionTokensDetails: { reasoningTokens: reasoning },
          }
          return { usage, total: prompt + completion }
        }
        case 'anthropic': {
          const reasoning = Math.min(r, completion)
          const usage: TokenUsageLike = {
            promptTokens: prompt,
            completionTokens: completion,
            totalTokens: prompt + completion,
            promptTokensDetails: { cachedTokens: a, cacheWriteTokens: b },
            completionTokensDetails: { reasoningTokens: reasoning },
          }
          return { usage, total: prompt + a + b + completion }
        }
        default: {
          // gemini
          const cached = Math.min(a, prompt)
          const usage: TokenUsageLike = {
            promptTokens: prompt,
            completionTokens: completion,
            totalTokens: prompt + toolUse + completion + r,
            promptTokensDetails: { cachedTokens: cached },
            completionTokensDetails: { reasoningTokens: r },
            providerUsageDetails: { toolUsePromptTokenCount: toolUse },
          }
          return { usage, total: prompt + toolUse + completion + r }
        }
      }
    })
}

describe('normalizeUsage properties', () => {
  it.each(['openai', 'anthropic', 'gemini'] as const)(
    '%s: for consistent input the pools add up to the provider total',
    (convention) => {
      fc.assert(
        fc.property(consistentUsage(convention), ({ usage, total }) => {
          const pools = normalizeUsage(usage, convention)
          expect(totalTokensOf(pools)).toBe(total)
          if (convention !== 'anthropic') expect(totalTokensOf(pools)).toBe(usage.totalTokens)
        }),
        { numRuns: 300 },
      )
    },
  )

  it('for any input whatsoever, every pool is a safe whole number >= 0', () => {
    const anyCount = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 60),
      fc.constant(undefined),
      fc.string(),
    )
    const anyUsage = fc.record(
      {
        promptTokens: anyCount,
        completionTokens: anyCount,
        totalTokens: anyCount,
        promptTokensDetails: fc.record({ cachedTokens: anyCount, cacheWriteTokens: anyCount }),
        completionTokensDetails: fc.record({ reasoningTokens: anyCount }),
        providerUsageDetails: fc.record({ toolUsePromptTokenCount: anyCount }),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(
        anyUsage,
        fc.constantFrom<UsageConvention>('openai', 'anthropic', 'gemini'),
        (usage, convention) => {
          const pools = normalizeUsage(usage as TokenUsageLike, convention)
          for (const name of POOL_NAMES) {
            expect(Number.isSafeInteger(pools[name])).toBe(true)
            expect(pools[name]).toBeGreaterThanOrEqual(0)
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})
