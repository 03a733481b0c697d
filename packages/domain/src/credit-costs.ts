/**
 * The documented per-operation credit costs. The shape is part of the compatibility surface: keep the keys,
 * values and the `TYPST_GENERATION(tokens)` function exactly as they are.
 *
 * @example
 * ```ts
 * import { CREDIT_COSTS, type CreditOperation } from '@10xstudent/domain'
 * const cost = CREDIT_COSTS.TYPST_GENERATION(totalTokens) // ceil(tokens / 1000)
 * const op: CreditOperation = 'WEB_SEARCH'
 * ```
 */
export const CREDIT_COSTS = {
  TYPST_GENERATION: (tokens: number) => Math.ceil(tokens / 1000),
  WEB_SEARCH: 1,
  RAG_QUERY: 0,
  SAVE_DOCUMENT: 0,
  IMAGE_GENERATION: 10,
  PDF_EXPORT: 2,
} as const

/** A metered operation: a key of {@link CREDIT_COSTS}. */
export type CreditOperation = keyof typeof CREDIT_COSTS

/** Every operation, in declaration order. */
export const CREDIT_OPERATIONS = Object.keys(CREDIT_COSTS) as CreditOperation[]

/**
 * True when `value` names an operation of {@link CREDIT_COSTS}, in either spelling (`WEB_SEARCH` or the
 * lower-case `web_search` stored in `credit_logs.operation`).
 *
 * @example
 * ```ts
 * isCreditOperation('typst_generation') // true
 * ```
 */
export function isCreditOperation(value: unknown): value is CreditOperation | Lowercase<CreditOperation> {
  return toCreditOperation(value) !== undefined
}

/**
 * The canonical (upper-case) operation for either accepted spelling, or `undefined`. Only the two exact
 * spellings count (`WEB_SEARCH`, `web_search`), never `Web_Search`, and never an inherited key such as
 * `toString` or `__proto__`: those would otherwise reach `Object.prototype` members.
 *
 * @example
 * ```ts
 * toCreditOperation('web_search') // 'WEB_SEARCH'
 * toCreditOperation('toString') // undefined
 * ```
 */
export function toCreditOperation(value: unknown): CreditOperation | undefined {
  if (typeof value !== 'string') return undefined
  const upper = value.toUpperCase()
  if (value !== upper && value !== value.toLowerCase()) return undefined
  return Object.hasOwn(CREDIT_COSTS, upper) ? (upper as CreditOperation) : undefined
}

/**
 * The credits an operation costs. `TYPST_GENERATION` needs the token count; fixed-price operations ignore it.
 * Negative, fractional or non-finite token counts are rejected.
 *
 * @example
 * ```ts
 * creditCostOf('WEB_SEARCH') // 1
 * creditCostOf('TYPST_GENERATION', 1001) // 2
 * creditCostOf('typst_generation', 1000) // 1
 * ```
 */
export function creditCostOf(operation: CreditOperation | Lowercase<CreditOperation>, tokens = 0): number {
  // Callers outside TypeScript can pass anything; an inherited key must not resolve to a prototype member.
  const canonical = toCreditOperation(operation)
  if (!canonical) throw new RangeError(`unknown credit operation ${JSON.stringify(operation)}`)
  const cost = CREDIT_COSTS[canonical]
  if (typeof cost === 'function') {
    if (!Number.isSafeInteger(tokens) || tokens < 0) {
      throw new RangeError(`tokens must be a whole number >= 0, got ${tokens}`)
    }
    return cost(tokens)
  }
  return cost
}

/**
 * The spelling stored in `credit_logs.operation` (the documented insert writes `'typst_generation'`).
 *
 * @example
 * ```ts
 * operationSlug('WEB_SEARCH') // 'web_search'
 * ```
 */
export function operationSlug(operation: CreditOperation): Lowercase<CreditOperation> {
  return operation.toLowerCase() as Lowercase<CreditOperation>
}
