/**
 * Zod schemas the apps validate requests with. Each mirrors an assertion of this package, so a value that
 * passes the schema also passes the assertion the ledger runs before any SQL.
 */
import { z } from 'zod'
import { type CreditOperation, toCreditOperation } from './credit-costs'
import { FINISH_REASONS, type FinishReason, toFinishReason } from './finish-reason'
import { MAX_ID_LENGTH } from './ids'
import type { UsagePools } from './usage'

const tokenCount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)

/**
 * Non-overlapping token pools (each a safe whole number >= 0). Unknown keys are rejected.
 *
 * @example
 * ```ts
 * const pools = usagePoolsSchema.parse({ uncachedInput: 60, cachedInput: 40, cacheWrite: 0, output: 20, reasoning: 30 })
 * ```
 */
export const usagePoolsSchema = z.strictObject({
  uncachedInput: tokenCount,
  cachedInput: tokenCount,
  cacheWrite: tokenCount,
  output: tokenCount,
  reasoning: tokenCount,
}) satisfies z.ZodType<UsagePools>

/** The inferred type of {@link usagePoolsSchema}; identical to `UsagePools`. */
export type UsagePoolsInput = z.infer<typeof usagePoolsSchema>

/**
 * A normalised finish reason: exactly one of the documented set plus `aborted`.
 * Use {@link anyFinishReasonSchema} to accept provider or TanStack spellings.
 *
 * @example
 * ```ts
 * finishReasonSchema.parse('tool-calls') // 'tool-calls'
 * finishReasonSchema.safeParse('tool_calls').success // false
 * ```
 */
export const finishReasonSchema = z.enum(FINISH_REASONS)

/**
 * Any known finish-reason spelling (TanStack's `tool_calls`, Gemini's `MAX_TOKENS`, `null` ...), normalised.
 * Unrecognised strings are rejected rather than guessed.
 *
 * @example
 * ```ts
 * anyFinishReasonSchema.parse('content_filter') // 'content-filter'
 * anyFinishReasonSchema.parse(null) // 'stop'
 * ```
 */
export const anyFinishReasonSchema = z
  .string()
  .nullish()
  .transform((value, ctx): FinishReason => {
    const reason = toFinishReason(value)
    if (!reason) {
      ctx.addIssue({ code: 'custom', message: `unknown finish reason ${JSON.stringify(value)}` })
      return z.NEVER
    }
    return reason
  })

/**
 * A credit operation in either spelling (`WEB_SEARCH` or the stored `web_search`), output in the canonical
 * upper-case form that indexes `CREDIT_COSTS`.
 *
 * @example
 * ```ts
 * creditOperationSchema.parse('typst_generation') // 'TYPST_GENERATION'
 * ```
 */
export const creditOperationSchema = z.string().transform((value, ctx): CreditOperation => {
  const operation = toCreditOperation(value)
  if (!operation) {
    ctx.addIssue({ code: 'custom', message: `unknown credit operation ${JSON.stringify(value)}` })
    return z.NEVER
  }
  return operation
})

/**
 * An id (user id, run id, hold id): the same rules as `assertId` — a non-empty string of at most 255
 * characters without control characters.
 *
 * @example
 * ```ts
 * const { userId } = z.object({ userId: idSchema }).parse(body)
 * ```
 */
export const idSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters')

/** The inferred type of {@link idSchema}. */
export type Id = z.infer<typeof idSchema>

/**
 * An idempotency key (the `Idempotency-Key` header or a body field): same rules as {@link idSchema}.
 * Keys are scoped per user by the ledger, so they need not be globally unique.
 *
 * @example
 * ```ts
 * const key = idempotencyKeySchema.parse(c.req.header('idempotency-key'))
 * ```
 */
export const idempotencyKeySchema = idSchema

/** The inferred type of {@link idempotencyKeySchema}. */
export type IdempotencyKey = z.infer<typeof idempotencyKeySchema>

/** Digits only: query strings carry numbers as text, but `1e2`, `0x10`, `' 5'` or `true` are not limits. */
const limitSchema = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\d{1,4}$/, 'must be a whole number')
      .transform(Number),
  ])
  .pipe(z.number().int().min(1).max(200))

/**
 * A page request: `limit` 1..200 (default 50; numeric strings from a query string are accepted) and an
 * optional opaque `cursor` from a previous page.
 *
 * @example
 * ```ts
 * const page = paginationSchema.parse(c.req.query()) // { limit: 50 } for an empty query
 * ```
 */
export const paginationSchema = z.object({
  limit: limitSchema.default(50),
  cursor: z.string().min(1).max(1024).optional(),
})

/** The parsed page request. */
export type Pagination = z.infer<typeof paginationSchema>
/** What a caller may pass to {@link paginationSchema}. */
export type PaginationInput = z.input<typeof paginationSchema>
