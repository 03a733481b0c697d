import { describe, expect, it } from 'vitest'
import { assertAmount, assertNonNegativeAmount, creditAmountSchema } from './amount'
import { InvalidAmountError, isCreditError } from './errors'

const BAD_AMOUNTS: Array<[string, unknown]> = [
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-1', -1],
  ['0', 0],
  ['-0', -0],
  ['0.5', 0.5],
  ['1.5', 1.5],
  ['-1.5', -1.5],
  ["'5'", '5'],
  ["''", ''],
  ['null', null],
  ['undefined', undefined],
  ['{}', {}],
  ['[]', []],
  ['[5]', [5]],
  ['true', true],
  ['2**53', 2 ** 53],
  ['Number.MAX_VALUE', Number.MAX_VALUE],
  ['-0n', -0n],
  ['0n', 0n],
  ['-5n', -5n],
  ['2n**53n', 2n ** 53n],
  ['2n**64n', 2n ** 64n],
  ['new Number(5)', new Number(5)],
  ['Symbol', Symbol('5')],
]

const GOOD_AMOUNTS: Array<[string, unknown, number]> = [
  ['1', 1, 1],
  ['7', 7, 7],
  ['1e6', 1e6, 1_000_000],
  ['2**53-1', 2 ** 53 - 1, Number.MAX_SAFE_INTEGER],
  ['5n', 5n, 5],
  ['2n**53n-1n', 2n ** 53n - 1n, Number.MAX_SAFE_INTEGER],
]

describe('amount validation (I5)', () => {
  it('has a table of at least 15 bad amounts', () => {
    expect(BAD_AMOUNTS.length).toBeGreaterThanOrEqual(15)
  })

  it.each(BAD_AMOUNTS)('assertAmount rejects %s with InvalidAmountError', (_label, value) => {
    let thrown: unknown
    try {
      assertAmount(value)
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(InvalidAmountError)
    const err = thrown as InvalidAmountError
    expect(err.code).toBe('invalid_amount')
    expect(isCreditError(err)).toBe(true)
    expect(Object.is(err.value, value) || Number.isNaN(err.value)).toBe(true)
    expect(err.message).toMatch(/^Invalid credit amount \(.+\): .+/)
  })

  it.each(BAD_AMOUNTS)('creditAmountSchema rejects %s', (_label, value) => {
    expect(creditAmountSchema.safeParse(value).success).toBe(false)
  })

  it.each(GOOD_AMOUNTS)('accepts %s', (_label, value, expected) => {
    expect(assertAmount(value)).toBe(expected)
    expect(creditAmountSchema.parse(value)).toBe(expected)
    expect(typeof creditAmountSchema.parse(value)).toBe('number')
  })

  it.each([
    [0.5, 'whole number'],
    [-1, 'greater than 0'],
    [0, 'greater than 0'],
    [2 ** 53, 'safe-integer'],
    [2n ** 64n, 'safe-integer'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'finite'],
    ['5', 'must be a number, got string'],
    [null, 'got null'],
  ])('explains why %s is bad', (value, reason) => {
    expect(() => assertAmount(value)).toThrow(reason)
    const result = creditAmountSchema.safeParse(value)
    expect(result.success).toBe(false)
  })

  it('assertNonNegativeAmount also accepts zero', () => {
    expect(assertNonNegativeAmount(0)).toBe(0)
    expect(assertNonNegativeAmount(-0)).toBe(0)
    expect(assertNonNegativeAmount(0n)).toBe(0)
    expect(assertNonNegativeAmount(3)).toBe(3)
    for (const [, value] of BAD_AMOUNTS) {
      if (value === 0 || value === 0n) continue
      expect(() => assertNonNegativeAmount(value)).toThrow(InvalidAmountError)
    }
  })
})
