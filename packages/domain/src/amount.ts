import { z } from 'zod'
import { InvalidAmountError } from './errors'

/**
 * Zod schema of a credit amount (I5): a whole number > 0 within the safe-integer range.
 * Bigints are accepted when in range and converted to numbers.
 *
 * @example
 * ```ts
 * const body = z.object({ amount: creditAmountSchema }).parse(await c.req.json())
 * ```
 */
export const creditAmountSchema = z.union([z.number(), z.bigint()]).transform((value, ctx) => {
  const reason = amountProblem(value)
  if (reason) {
    ctx.addIssue({ code: 'custom', message: reason })
    return z.NEVER
  }
  return Number(value)
})

/** Why `value` is not a valid amount, or `undefined` when it is. */
function amountProblem(value: unknown): string | undefined {
  if (typeof value === 'bigint') {
    if (value <= 0n) return 'must be greater than 0'
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) return 'exceeds the safe-integer range'
    return undefined
  }
  if (typeof value !== 'number') return `must be a number, got ${value === null ? 'null' : typeof value}`
  if (Number.isNaN(value)) return 'must not be NaN'
  if (!Number.isFinite(value)) return 'must be finite'
  if (!Number.isInteger(value)) return 'must be a whole number of credits'
  if (value <= 0) return 'must be greater than 0'
  if (!Number.isSafeInteger(value)) return 'exceeds the safe-integer range'
  return undefined
}

/**
 * Assert that `value` is a valid credit amount (I5) and return it as a number.
 * Call before any SQL so a bad amount never reaches the database.
 *
 * @example
 * ```ts
 * const amount = assertAmount(input.amount) // throws InvalidAmountError for 0, -1, 1.5, NaN, '5', null ...
 * ```
 */
export function assertAmount(value: unknown): number {
  const reason = amountProblem(value)
  if (reason) throw new InvalidAmountError(value, reason)
  return Number(value)
}

/**
 * Like {@link assertAmount} but also accepts 0 (e.g. a settlement that charges nothing).
 *
 * @example
 * ```ts
 * assertNonNegativeAmount(0) // 0
 * ```
 */
export function assertNonNegativeAmount(value: unknown): number {
  if (value === 0 || value === 0n) return 0
  return assertAmount(value)
}
