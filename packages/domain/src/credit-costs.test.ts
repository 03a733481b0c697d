import { describe, expect, it } from 'vitest'
import {
  CREDIT_COSTS,
  CREDIT_OPERATIONS,
  type CreditOperation,
  creditCostOf,
  isCreditOperation,
  operationSlug,
  toCreditOperation,
} from './credit-costs'

describe('CREDIT_COSTS', () => {
  it('keeps exactly the documented keys in order', () => {
    expect(Object.keys(CREDIT_COSTS)).toEqual([
      'TYPST_GENERATION',
      'WEB_SEARCH',
      'RAG_QUERY',
      'SAVE_DOCUMENT',
      'IMAGE_GENERATION',
      'PDF_EXPORT',
    ])
    expect(CREDIT_OPERATIONS).toEqual(Object.keys(CREDIT_COSTS))
  })

  it.each([
    [0, 0],
    [1, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [1999, 2],
    [2000, 2],
    [2001, 3],
    [1_000_000, 1000],
  ])('TYPST_GENERATION(%i) = ceil(tokens / 1000) = %i', (tokens, credits) => {
    expect(CREDIT_COSTS.TYPST_GENERATION(tokens)).toBe(credits)
    expect(creditCostOf('TYPST_GENERATION', tokens)).toBe(credits)
    expect(creditCostOf('typst_generation', tokens)).toBe(credits)
  })

  it.each([
    ['WEB_SEARCH', 1],
    ['RAG_QUERY', 0],
    ['SAVE_DOCUMENT', 0],
    ['IMAGE_GENERATION', 10],
    ['PDF_EXPORT', 2],
  ] as const)('%s costs a fixed %i credits whatever the token count', (operation, credits) => {
    expect(CREDIT_COSTS[operation]).toBe(credits)
    for (const tokens of [0, 1, 999, 1000, 1001, 1_000_000]) {
      expect(creditCostOf(operation, tokens)).toBe(credits)
    }
    expect(creditCostOf(operation)).toBe(credits)
    expect(creditCostOf(operationSlug(operation))).toBe(credits)
  })

  it.each([-1, -1000, 0.5, 1000.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])(
    'creditCostOf rejects the token count %s',
    (tokens) => {
      expect(() => creditCostOf('TYPST_GENERATION', tokens)).toThrow(RangeError)
    },
  )

  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty', 'Web_Search', 'CHAT', ''])(
    'creditCostOf rejects the unknown operation %j instead of reaching Object.prototype',
    (operation) => {
      expect(() => creditCostOf(operation as CreditOperation)).toThrow(/unknown credit operation/)
    },
  )
})

describe('operation spellings', () => {
  it.each(CREDIT_OPERATIONS)('%s round-trips through its slug', (operation) => {
    const slug = operationSlug(operation)
    expect(slug).toBe(operation.toLowerCase())
    expect(isCreditOperation(operation)).toBe(true)
    expect(isCreditOperation(slug)).toBe(true)
    expect(toCreditOperation(slug)).toBe(operation)
    expect(toCreditOperation(operation)).toBe(operation)
  })

  it.each([
    'Web_Search',
    'web-search',
    'toString',
    'TOSTRING',
    '__proto__',
    'constructor',
    '',
    null,
    undefined,
    1,
    {},
  ])('%j is not an operation', (value) => {
    expect(isCreditOperation(value)).toBe(false)
    expect(toCreditOperation(value)).toBeUndefined()
  })
})
