import {
  assertId,
  type ChargeDetails,
  InvalidArgumentError,
  isFinishReason,
  POOL_NAMES,
  totalTokensOf,
} from '@10xstudent/domain'

/**
 * Input validation that runs before any SQL (I5). Amounts use domain's `assertAmount`; this file covers the
 * rest: counts, hold ids, TTLs and the audit details of a charge.
 */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Hold ids are UUIDs; anything else cannot name a hold (checked here so SQL never sees a bad uuid). */
export function isUuid(value: string): boolean {
  return UUID_RE.test(value)
}

/** A whole number >= 0 in the safe-integer range, or InvalidArgumentError. */
export function assertCount(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidArgumentError(argument, `must be a whole number >= 0, got ${String(value)}`)
  return value
}

/** An integer in [min, max], or InvalidArgumentError. */
export function assertIntInRange(argument: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    throw new InvalidArgumentError(
      argument,
      `must be a whole number from ${min} to ${max}, got ${String(value)}`,
    )
  return value
}

/** A JSON object (not an array, not a class instance) or undefined. */
export function assertMetadata(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value))
    throw new InvalidArgumentError('metadata', 'must be a plain object')
  return value as Record<string, unknown>
}

/**
 * The audit columns of a charge or settle (I7), validated and keyed by column name for
 * `jsonb_populate_record(NULL::credit_logs, ...)`. `tokensUsed` defaults to the sum of the pools.
 */
export function detailsToColumns(details: ChargeDetails): Record<string, unknown> {
  const columns: Record<string, unknown> = {}
  if (details.model !== undefined) columns.model = assertId('model', details.model)
  if (details.usage !== undefined) {
    if (typeof details.usage !== 'object' || details.usage === null)
      throw new InvalidArgumentError('usage', 'must be an object of token pools')
    for (const pool of POOL_NAMES) assertCount(`usage.${pool}`, details.usage[pool])
    columns.uncached_input_tokens = details.usage.uncachedInput
    columns.cached_input_tokens = details.usage.cachedInput
    columns.cache_write_tokens = details.usage.cacheWrite
    columns.output_tokens = details.usage.output
    columns.reasoning_tokens = details.usage.reasoning
  }
  if (details.tokensUsed !== undefined) columns.tokens_used = assertCount('tokensUsed', details.tokensUsed)
  else if (details.usage !== undefined) columns.tokens_used = totalTokensOf(details.usage)
  if (details.finishReason !== undefined) {
    if (!isFinishReason(details.finishReason))
      throw new InvalidArgumentError('finishReason', `unknown finish reason ${String(details.finishReason)}`)
    columns.finish_reason = details.finishReason
  }
  if (details.priceVersion !== undefined)
    columns.price_version = assertId('priceVersion', details.priceVersion)
  if (details.costMicros !== undefined) columns.cost_micros = assertCount('costMicros', details.costMicros)
  if (details.estimated !== undefined) {
    if (typeof details.estimated !== 'boolean')
      throw new InvalidArgumentError('estimated', 'must be a boolean')
    columns.estimated = details.estimated
  }
  if (details.runId !== undefined) columns.run_id = assertId('runId', details.runId)
  const metadata = assertMetadata(details.metadata)
  if (metadata !== undefined) columns.metadata = metadata
  return columns
}
