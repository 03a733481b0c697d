import { describe, expect, it } from 'vitest'
import { estimateInFlightCredits, estimateTokens } from './estimate'

describe('estimateTokens', () => {
  it.each([
    [0, 0],
    [1, 1],
    [4, 1],
    [5, 2],
    [-10, 0],
    [Number.NaN, 0],
    [Number.POSITIVE_INFINITY, 0],
  ])('%s chars -> %s tokens', (chars, tokens) => expect(estimateTokens(chars)).toBe(tokens))
})

describe('estimateInFlightCredits', () => {
  it.each([
    // 100 prompt tokens * 1000 + 500 output tokens * 4000 = 2.1M micros -> 3 credits (rounded up)
    [{ promptChars: 400, streamedChars: 2000, inputPrice: 1000, outputPrice: 4000 }, 3],
    [{ promptChars: 0, streamedChars: 0, inputPrice: 1000, outputPrice: 4000 }, 0],
    // one token is still a fraction of a credit, billed as one
    [{ promptChars: 1, streamedChars: 0, inputPrice: 1000, outputPrice: 4000 }, 1],
    // negative prices never make the estimate a refund
    [{ promptChars: 400, streamedChars: 400, inputPrice: -5, outputPrice: -5 }, 0],
  ])('%j -> %s', (input, expected) => expect(estimateInFlightCredits(input)).toBe(expected))
})
