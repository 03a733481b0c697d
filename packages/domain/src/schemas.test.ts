import { describe, expect, it } from 'vitest'
import { CREDIT_OPERATIONS } from './credit-costs'
import { FINISH_REASONS } from './finish-reason'
import {
  anyFinishReasonSchema,
  creditOperationSchema,
  finishReasonSchema,
  paginationSchema,
  usagePoolsSchema,
} from './schemas'
import { EMPTY_POOLS } from './usage'

describe('usagePoolsSchema', () => {
  it('accepts whole non-negative pools', () => {
    const pools = { uncachedInput: 60, cachedInput: 40, cacheWrite: 0, output: 20, reasoning: 30 }
    expect(usagePoolsSchema.parse(pools)).toEqual(pools)
    expect(usagePoolsSchema.parse(EMPTY_POOLS)).toEqual(EMPTY_POOLS)
  })

  it.each([
    ['a negative pool', { ...EMPTY_POOLS, output: -1 }],
    ['a fraction', { ...EMPTY_POOLS, reasoning: 0.5 }],
    ['NaN', { ...EMPTY_POOLS, cachedInput: Number.NaN }],
    ['Infinity', { ...EMPTY_POOLS, cacheWrite: Number.POSITIVE_INFINITY }],
    ['past 2^53', { ...EMPTY_POOLS, uncachedInput: 2 ** 53 }],
    ['a string', { ...EMPTY_POOLS, output: '5' }],
    ['a missing pool', { uncachedInput: 1, cachedInput: 0, cacheWrite: 0, output: 0 }],
    ['an unknown key', { ...EMPTY_POOLS, bonus: 1 }],
    ['null', null],
  ])('rejects %s', (_label, value) => {
    expect(usagePoolsSchema.safeParse(value).success).toBe(false)
  })
})

describe('finish reason schemas', () => {
  it.each(FINISH_REASONS.map((r) => [r]))('finishReasonSchema accepts %s', (reason) => {
    expect(finishReasonSchema.parse(reason)).toBe(reason)
    expect(anyFinishReasonSchema.parse(reason)).toBe(reason)
  })

  it.each(['tool_calls', 'content_filter', 'STOP', '', null, undefined, 'bogus'])(
    'finishReasonSchema rejects the non-normalised %j',
    (reason) => {
      expect(finishReasonSchema.safeParse(reason).success).toBe(false)
    },
  )

  it.each([
    ['tool_calls', 'tool-calls'],
    ['content_filter', 'content-filter'],
    ['MAX_TOKENS', 'length'],
    [null, 'stop'],
    [undefined, 'stop'],
  ])('anyFinishReasonSchema normalises %j to %j', (reason, expected) => {
    expect(anyFinishReasonSchema.parse(reason)).toBe(expected)
  })

  it.each(['bogus', 'toString', '__proto__', 5])('anyFinishReasonSchema rejects %j', (reason) => {
    expect(anyFinishReasonSchema.safeParse(reason).success).toBe(false)
  })
})

describe('creditOperationSchema', () => {
  it.each(CREDIT_OPERATIONS.map((o) => [o]))('accepts %s in both spellings', (operation) => {
    expect(creditOperationSchema.parse(operation)).toBe(operation)
    expect(creditOperationSchema.parse(operation.toLowerCase())).toBe(operation)
  })

  it.each(['Web_Search', 'web-search', 'chat', '', 'toString', '__proto__', null, 1])(
    'rejects %j',
    (value) => {
      expect(creditOperationSchema.safeParse(value).success).toBe(false)
    },
  )
})

describe('paginationSchema', () => {
  it.each([
    [{}, { limit: 50 }],
    [{ limit: 1 }, { limit: 1 }],
    [{ limit: 200 }, { limit: 200 }],
    [{ limit: '25' }, { limit: 25 }],
    [
      { limit: 10, cursor: 'abc' },
      { limit: 10, cursor: 'abc' },
    ],
  ])('parses %j', (input, expected) => {
    expect(paginationSchema.parse(input)).toEqual(expected)
  })

  it.each([
    { limit: 0 },
    { limit: 201 },
    { limit: -1 },
    { limit: 1.5 },
    { limit: '1.5' },
    { limit: '1e2' },
    { limit: ' 5' },
    { limit: '' },
    { limit: true },
    { limit: null },
    { limit: Number.NaN },
    { cursor: '' },
    { cursor: 5 },
    { cursor: 'x'.repeat(1025) },
  ])('rejects %j', (input) => {
    expect(paginationSchema.safeParse(input).success).toBe(false)
  })
})
