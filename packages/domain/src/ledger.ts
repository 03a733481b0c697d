/**
 * The credit ledger contract (types only). `@10xstudent/database` implements it on PostgreSQL/PGlite;
 * `@10xstudent/metering` only ever talks to this interface, so the two never import each other.
 *
 * Semantics every implementation must keep (see DESIGN.md, I1-I7):
 * - I1 `credits` never goes negative; I2 every movement of `credits` writes exactly one ledger entry in the
 *   same transaction; I3 a hold resolves exactly once; I4 one idempotency key (scoped per user) has at most one
 *   effect, a retry returns the first result (`replayed: true`) and a reuse with other parameters throws
 *   `IdempotencyConflictError`; I5 amounts are validated before any I/O; I6 entries are append-only;
 *   I7 charge entries record model, pools, finish reason, price version and the unrounded cost.
 * - `credits` is the *available* balance: a reservation moves credits out of it into a hold.
 */
import type { FinishReason } from './finish-reason'
import type { UsagePools } from './usage'

/** Kinds of ledger entries. */
export const LEDGER_ENTRY_KINDS = [
  'grant',
  'hold',
  'settle',
  'release',
  'charge',
  'expire',
  'adjust',
] as const
export type LedgerEntryKind = (typeof LEDGER_ENTRY_KINDS)[number]

/** Status of a hold. `active` is the only unresolved one. */
export const HOLD_STATUSES = ['active', 'settled', 'released', 'expired'] as const
export type HoldStatus = (typeof HOLD_STATUSES)[number]

/** One row of the append-only ledger. */
export interface LedgerEntry {
  id: string
  userId: string
  kind: LedgerEntryKind
  /** Operation slug, e.g. `typst_generation`, `web_search`, `chat`. */
  operation: string
  /** Signed change to the available balance. */
  delta: number
  /** Credits charged by this entry (>= 0); for a settle, the actual cost of the run. */
  cost: number
  /** Available balance right after this entry. */
  balanceAfter: number | null
  tokensUsed: number | null
  model: string | null
  pools: UsagePools | null
  finishReason: FinishReason | null
  runId: string | null
  holdId: string | null
  idempotencyKey: string | null
  priceVersion: string | null
  /** Exact cost in micro-credits before rounding. */
  costMicros: number | null
  /** Credits the run cost but the balance could not pay (settle beyond hold and balance). */
  shortfall: number
  estimated: boolean
  metadata: Record<string, unknown> | null
  createdAt: Date
}

/** A reservation of credits for work in progress. */
export interface Hold {
  id: string
  userId: string
  amount: number
  status: HoldStatus
  operation: string
  runId: string | null
  idempotencyKey: string
  /** Set by the database clock: `now() + ttl`. */
  expiresAt: Date
  createdAt: Date
  /** True when this call replayed an earlier one with the same idempotency key. */
  replayed: boolean
}

/** Usage and pricing facts recorded with a charge (I7). */
export interface ChargeDetails {
  model?: string
  usage?: UsagePools
  tokensUsed?: number
  finishReason?: FinishReason
  priceVersion?: string
  costMicros?: number
  estimated?: boolean
  runId?: string
  metadata?: Record<string, unknown>
}

export interface EnsureUserInput {
  userId: string
  /** Credits granted when the user is created (a `grant` entry is written). Ignored if the user exists. */
  initialCredits?: number
}

export interface EnsureUserResult {
  userId: string
  credits: number
  /** True only for the one call that created the user, even under concurrency. */
  created: boolean
}

export interface GrantInput {
  userId: string
  amount: number
  idempotencyKey: string
  /** Operation slug recorded on the entry; default `grant`. */
  operation?: string
  reason?: string
  metadata?: Record<string, unknown>
}

export interface MovementResult {
  entryId: string
  /** Available balance after the movement. */
  balance: number
  replayed: boolean
}

export interface ReserveInput {
  userId: string
  amount: number
  idempotencyKey: string
  /** Operation slug; default `chat`. */
  operation?: string
  runId?: string
  /** Hold lifetime; default the ledger's `holdTtlMs`. */
  ttlMs?: number
  metadata?: Record<string, unknown>
}

export interface SettleInput extends ChargeDetails {
  /** Actual whole credits to charge (>= 0). May exceed the hold: see {@link SettleResult.shortfall}. */
  amount: number
  /** Default `settle:<holdId>`. */
  idempotencyKey?: string
}

export interface SettleResult {
  holdId: string
  entryId: string
  /** Credits actually taken (<= amount). */
  charged: number
  /** Credits returned from the hold to the balance. */
  released: number
  /** Part of `amount` that neither the hold nor the balance could pay; recorded, never overdrawn. */
  shortfall: number
  balance: number
  held: number
  replayed: boolean
}

export interface ReleaseInput {
  reason?: string
  /** Default `release:<holdId>`. */
  idempotencyKey?: string
}

export interface ReleaseResult {
  holdId: string
  entryId: string
  released: number
  balance: number
  replayed: boolean
}

export interface ChargeInput extends ChargeDetails {
  userId: string
  amount: number
  idempotencyKey: string
  operation: string
  /**
   * When the balance is short: `false` (default) throws `InsufficientCreditsError`; `true` takes what is
   * there and records the rest as `shortfall` (used to bill work that already happened, never overdrawing).
   */
  allowPartial?: boolean
}

export interface ChargeResult extends MovementResult {
  charged: number
  shortfall: number
}

export interface Balance {
  /** Available credits. */
  credits: number
  /** Credits in active holds. */
  held: number
}

export interface HistoryOptions {
  /** 1..200, default 50. */
  limit?: number
  /** Opaque cursor from a previous page. */
  cursor?: string
}

export interface HistoryPage {
  items: LedgerEntry[]
  nextCursor: string | null
}

export interface SweepResult {
  /** Holds this call expired (another sweeper never gets the same ones). */
  expired: Array<{ holdId: string; userId: string; amount: number }>
}

/**
 * The ledger. Every method that moves credits takes an idempotency key (I4) and validates amounts before
 * any I/O (I5). Errors are the typed errors of this package.
 *
 * @example
 * ```ts
 * const hold = await ledger.reserve({ userId, amount: 12, idempotencyKey: `reserve:${runId}`, runId })
 * // ... stream the model's reply (no transaction open meanwhile) ...
 * await ledger.settle(hold.id, { amount: 7, model, usage, finishReason: 'stop', priceVersion, costMicros })
 * ```
 */
export interface CreditLedger {
  /** Create the user if missing (exactly once under concurrency), granting `initialCredits`. */
  ensureUser(input: EnsureUserInput): Promise<EnsureUserResult>
  /** Add credits. */
  grant(input: GrantInput): Promise<MovementResult>
  /** Move `amount` from the balance into a new hold with one guarded update; throws `InsufficientCreditsError`. */
  reserve(input: ReserveInput): Promise<Hold>
  /** Charge the actual amount and release the rest, once; throws `HoldNotActiveError` if already resolved otherwise. */
  settle(holdId: string, input: SettleInput): Promise<SettleResult>
  /** Return the whole hold to the balance, once. */
  release(holdId: string, input?: ReleaseInput): Promise<ReleaseResult>
  /** Direct debit without a hold (e.g. one tool call). */
  charge(input: ChargeInput): Promise<ChargeResult>
  /** Available and held credits; throws `UserNotFoundError` for an unknown user. */
  balance(userId: string): Promise<Balance>
  /** The user's entries, newest first, cursor-paginated. */
  history(userId: string, options?: HistoryOptions): Promise<HistoryPage>
  /** Expire active holds past `expires_at` by the database clock, returning their credits; safe concurrently. */
  sweepExpired(options?: { limit?: number }): Promise<SweepResult>
}
