import { InvalidArgumentError } from './errors'

/** Longest id or idempotency key accepted (fits an indexed `varchar(255)`). */
export const MAX_ID_LENGTH = 255

/**
 * Validate an id or idempotency key before it reaches SQL: a non-empty string of at most 255 characters
 * without control characters. (SQL is always parameterised; this keeps junk out of the ledger.)
 *
 * @example
 * ```ts
 * const userId = assertId('userId', input.userId)
 * ```
 */
export function assertId(argument: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new InvalidArgumentError(
      argument,
      `must be a string, got ${value === null ? 'null' : typeof value}`,
    )
  if (value.length === 0) throw new InvalidArgumentError(argument, 'must not be empty')
  if (value.length > MAX_ID_LENGTH)
    throw new InvalidArgumentError(argument, `must be at most ${MAX_ID_LENGTH} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new InvalidArgumentError(argument, 'must not contain control characters')
  return value
}
