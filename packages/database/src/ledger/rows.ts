import type {
  FinishReason,
  Hold,
  HoldStatus,
  LedgerEntry,
  LedgerEntryKind,
  UsagePools,
} from '@10xstudent/domain'
import type { CreditHold, CreditLog } from '../schema/index'

/**
 * Mapping between database rows and the domain types. The ledger functions return rows as `to_jsonb(row)`
 * (snake_case keys, bigints as JSON numbers, ISO timestamps) so both drivers hand back the same shape.
 */

type Json = Record<string, unknown>

const num = (value: unknown): number => Number(value)
const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value)
const strOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value)
const date = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)))
const dateOrNull = (value: unknown): Date | null =>
  value === null || value === undefined ? null : date(value)

/** A `to_jsonb(credit_logs)` object as the drizzle row type. */
export function creditLogFromJson(j: Json): CreditLog {
  return {
    id: String(j.id),
    seq: num(j.seq),
    userId: String(j.user_id),
    kind: j.kind as LedgerEntryKind,
    operation: String(j.operation),
    delta: num(j.delta),
    cost: num(j.cost),
    balanceAfter: num(j.balance_after),
    shortfall: num(j.shortfall),
    tokensUsed: numOrNull(j.tokens_used),
    model: strOrNull(j.model),
    uncachedInputTokens: numOrNull(j.uncached_input_tokens),
    cachedInputTokens: numOrNull(j.cached_input_tokens),
    cacheWriteTokens: numOrNull(j.cache_write_tokens),
    outputTokens: numOrNull(j.output_tokens),
    reasoningTokens: numOrNull(j.reasoning_tokens),
    finishReason: strOrNull(j.finish_reason),
    runId: strOrNull(j.run_id),
    holdId: strOrNull(j.hold_id),
    idempotencyKey: strOrNull(j.idempotency_key),
    priceVersion: strOrNull(j.price_version),
    costMicros: numOrNull(j.cost_micros),
    estimated: j.estimated === true,
    metadata: (j.metadata ?? null) as Record<string, unknown> | null,
    createdAt: date(j.created_at),
  }
}

/** What a success path tells about the entry it wrote (`ledger_movement()` in drizzle/0002). */
export type Movement = Pick<CreditLog, 'id' | 'delta' | 'cost' | 'shortfall' | 'balanceAfter'>

/** A `ledger_movement()` object (or a whole `to_jsonb(credit_logs)` row: same keys) as a {@link Movement}. */
export function movementFromJson(j: Json): Movement {
  return {
    id: String(j.id),
    delta: num(j.delta),
    cost: num(j.cost),
    shortfall: num(j.shortfall),
    balanceAfter: num(j.balance_after),
  }
}

/** A `to_jsonb(credit_holds)` object as the drizzle row type. */
export function creditHoldFromJson(j: Json): CreditHold {
  return {
    id: String(j.id),
    userId: String(j.user_id),
    amount: num(j.amount),
    status: j.status as HoldStatus,
    operation: String(j.operation),
    runId: strOrNull(j.run_id),
    idempotencyKey: String(j.idempotency_key),
    expiresAt: date(j.expires_at),
    resolution: strOrNull(j.resolution),
    resolvedAt: dateOrNull(j.resolved_at),
    metadata: (j.metadata ?? null) as Record<string, unknown> | null,
    createdAt: date(j.created_at),
  }
}

function poolsOf(row: CreditLog): UsagePools | null {
  const { uncachedInputTokens, cachedInputTokens, cacheWriteTokens, outputTokens, reasoningTokens } = row
  if (
    uncachedInputTokens === null &&
    cachedInputTokens === null &&
    cacheWriteTokens === null &&
    outputTokens === null &&
    reasoningTokens === null
  )
    return null
  return {
    uncachedInput: uncachedInputTokens ?? 0,
    cachedInput: cachedInputTokens ?? 0,
    cacheWrite: cacheWriteTokens ?? 0,
    output: outputTokens ?? 0,
    reasoning: reasoningTokens ?? 0,
  }
}

/** The domain view of a ledger row. */
export function toLedgerEntry(row: CreditLog): LedgerEntry {
  return {
    id: row.id,
    userId: row.userId,
    kind: row.kind,
    operation: row.operation,
    delta: row.delta,
    cost: row.cost,
    balanceAfter: row.balanceAfter,
    tokensUsed: row.tokensUsed,
    model: row.model,
    pools: poolsOf(row),
    finishReason: row.finishReason as FinishReason | null,
    runId: row.runId,
    holdId: row.holdId,
    idempotencyKey: row.idempotencyKey,
    priceVersion: row.priceVersion,
    costMicros: row.costMicros,
    shortfall: row.shortfall,
    estimated: row.estimated,
    metadata: row.metadata,
    createdAt: row.createdAt,
  }
}

/** The domain view of a hold row. */
export function toHold(row: CreditHold, replayed: boolean): Hold {
  return {
    id: row.id,
    userId: row.userId,
    amount: row.amount,
    status: row.status,
    operation: row.operation,
    runId: row.runId,
    idempotencyKey: row.idempotencyKey,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
    replayed,
  }
}
