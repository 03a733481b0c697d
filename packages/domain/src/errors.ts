/**
 * Typed errors shared by every package. Each carries a stable `code` so apps can map it to an HTTP status
 * without `instanceof` checks across package copies (a consumer may end up with two copies of domain).
 */

/** Stable machine-readable codes of {@link CreditError}s. */
export type CreditErrorCode =
  | 'insufficient_credits'
  | 'idempotency_conflict'
  | 'hold_not_active'
  | 'hold_not_found'
  | 'user_not_found'
  | 'unknown_model'
  | 'invalid_amount'
  | 'invalid_argument'
  | 'ledger_unavailable'

/**
 * Base class of every credit error.
 *
 * @example
 * ```ts
 * try { await ledger.charge({ userId, amount: 1, operation: 'WEB_SEARCH', idempotencyKey }) }
 * catch (err) { if (isCreditError(err) && err.code === 'insufficient_credits') return c.json(..., 402) }
 * ```
 */
export class CreditError extends Error {
  readonly code: CreditErrorCode
  constructor(code: CreditErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** True for any {@link CreditError}, also one thrown by another copy of this package. */
export function isCreditError(err: unknown): err is CreditError {
  return (
    err instanceof CreditError ||
    (typeof err === 'object' &&
      err !== null &&
      typeof (err as { code?: unknown }).code === 'string' &&
      typeof (err as { name?: unknown }).name === 'string' &&
      (err as Error).name.endsWith('Error') &&
      CREDIT_ERROR_CODES.has((err as { code: string }).code))
  )
}

const CREDIT_ERROR_CODES = new Set<string>([
  'insufficient_credits',
  'idempotency_conflict',
  'hold_not_active',
  'hold_not_found',
  'user_not_found',
  'unknown_model',
  'invalid_amount',
  'invalid_argument',
  'ledger_unavailable',
])

/**
 * The balance cannot cover the amount. Thrown before any provider call, so the app can answer 402.
 *
 * @example
 * ```ts
 * if (err instanceof InsufficientCreditsError) return c.json({ error: { code: err.code, message: err.message, required: err.required, balance: err.balance } }, 402)
 * ```
 */
export class InsufficientCreditsError extends CreditError {
  /** Whole credits the operation needed. */
  readonly required: number
  /** Whole credits available (balance minus nothing: holds are already subtracted from `credits`). */
  readonly balance: number
  constructor(required: number, balance: number, message?: string) {
    super(
      'insufficient_credits',
      message ?? `Insufficient credits: ${required} required, ${balance} available`,
    )
    this.required = required
    this.balance = balance
  }
}

/**
 * An idempotency key was reused with different parameters (I4). The first effect stands.
 *
 * @example
 * ```ts
 * await ledger.grant({ userId, amount: 10, idempotencyKey: 'k' })
 * await ledger.grant({ userId, amount: 11, idempotencyKey: 'k' }) // throws IdempotencyConflictError
 * ```
 */
export class IdempotencyConflictError extends CreditError {
  readonly idempotencyKey: string
  constructor(idempotencyKey: string, message?: string) {
    super(
      'idempotency_conflict',
      message ?? `Idempotency key "${idempotencyKey}" was already used with different parameters`,
    )
    this.idempotencyKey = idempotencyKey
  }
}

/**
 * A hold was already resolved (settled, released or expired) by another caller (I3).
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof HoldNotActiveError) logger.warn({ holdId: err.holdId, status: err.status }) }
 * ```
 */
export class HoldNotActiveError extends CreditError {
  readonly holdId: string
  readonly status: string
  constructor(holdId: string, status: string) {
    super('hold_not_active', `Hold ${holdId} is no longer active (status: ${status})`)
    this.holdId = holdId
    this.status = status
  }
}

/**
 * No hold with this id belongs to the user.
 *
 * @example
 * ```ts
 * throw new HoldNotFoundError(holdId)
 * ```
 */
export class HoldNotFoundError extends CreditError {
  readonly holdId: string
  constructor(holdId: string) {
    super('hold_not_found', `Hold ${holdId} not found`)
    this.holdId = holdId
  }
}

/**
 * The user does not exist in the ledger (call `ensureUser` first).
 *
 * @example
 * ```ts
 * throw new UserNotFoundError(userId)
 * ```
 */
export class UserNotFoundError extends CreditError {
  readonly userId: string
  constructor(userId: string) {
    super('user_not_found', `User ${userId} not found`)
    this.userId = userId
  }
}

/**
 * The model has no price. Unknown models fail closed: they are never free.
 *
 * @example
 * ```ts
 * priceUsage({ model: 'gpt-9', usage }) // throws UnknownModelError
 * ```
 */
export class UnknownModelError extends CreditError {
  readonly model: string
  constructor(model: string, priceVersion?: string) {
    super(
      'unknown_model',
      `Unknown model "${model}"${priceVersion ? ` in price table ${priceVersion}` : ''}: it has no price, so it cannot be metered`,
    )
    this.model = model
  }
}

/**
 * An amount is not a whole number of credits > 0 within the safe-integer range (I5).
 *
 * @example
 * ```ts
 * assertAmount(1.5) // throws InvalidAmountError
 * ```
 */
export class InvalidAmountError extends CreditError {
  readonly value: unknown
  constructor(value: unknown, reason: string) {
    super('invalid_amount', `Invalid credit amount (${describe(value)}): ${reason}`)
    this.value = value
  }
}

/**
 * An argument other than an amount (an id, a key, a limit) is malformed.
 *
 * @example
 * ```ts
 * throw new InvalidArgumentError('userId', 'must be a non-empty string of at most 255 characters')
 * ```
 */
export class InvalidArgumentError extends CreditError {
  readonly argument: string
  constructor(argument: string, reason: string) {
    super('invalid_argument', `Invalid ${argument}: ${reason}`)
    this.argument = argument
  }
}

/**
 * The ledger's storage could not be reached. Retrying with the same idempotency key is safe.
 *
 * @example
 * ```ts
 * throw new LedgerUnavailableError('database unreachable', { cause: err })
 * ```
 */
export class LedgerUnavailableError extends CreditError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ledger_unavailable', message, options)
  }
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (typeof value === 'number') return String(value)
  if (value === null) return 'null'
  return typeof value
}
