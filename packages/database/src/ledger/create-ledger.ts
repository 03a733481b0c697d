import {
  assertAmount,
  assertId,
  assertNonNegativeAmount,
  type Balance,
  type ChargeInput,
  type ChargeResult,
  type CreditLedger,
  type EnsureUserInput,
  type EnsureUserResult,
  type GrantInput,
  type HistoryOptions,
  type HistoryPage,
  type Hold,
  HoldNotActiveError,
  HoldNotFoundError,
  IdempotencyConflictError,
  InsufficientCreditsError,
  InvalidAmountError,
  LedgerUnavailableError,
  type MovementResult,
  type ReleaseInput,
  type ReleaseResult,
  type ReserveInput,
  type SettleInput,
  type SettleResult,
  type SweepResult,
  UserNotFoundError,
} from '@10xstudent/domain'
import type { Logger } from '@10xstudent/logger'
import { type SQL, sql } from 'drizzle-orm'
import type { Database } from '../client'
import type { CreditHold, CreditLog } from '../schema/index'
import { isDatabaseUnavailableError, sqlStateOf } from '../unavailable'
import { activeHolds, type DailyUsage, history, summary } from './queries'
import { creditHoldFromJson, creditLogFromJson, toHold } from './rows'
import { assertIntInRange, assertMetadata, detailsToColumns, isUuid } from './validate'

export interface LedgerOptions {
  logger?: Logger
  /** Default lifetime of a hold, by the database clock. Default 10 minutes. */
  holdTtlMs?: number
}

/** {@link CreditLedger} on PostgreSQL/PGlite, plus read models for the API. */
export interface PgCreditLedger extends CreditLedger {
  /** Per-UTC-day totals of charged credits, tokens and requests for the last `days` days (oldest first). */
  summary(userId: string, options: { days: number }): Promise<DailyUsage[]>
  /** The user's active holds, oldest first. */
  activeHolds(userId: string): Promise<Hold[]>
}

export type { DailyUsage }

const DEFAULT_HOLD_TTL_MS = 10 * 60 * 1000
// Longer than any sane run; keeps a typo from parking credits for years.
const MAX_HOLD_TTL_MS = 7 * 24 * 60 * 60 * 1000

/** What a ledger function answered (see drizzle/0001_ledger_functions.sql). */
interface Outcome {
  status: 'ok' | 'replay' | 'insufficient' | 'user_not_found' | 'hold_not_found' | 'hold_not_active' | 'none'
  entry?: Record<string, unknown>
  hold?: Record<string, unknown> | null
  balance?: number
  held?: number
  hold_status?: string
  created?: boolean
  credits?: number
  expired?: Array<{ holdId: string; userId: string; amount: number }>
}

/** What a replayed entry must match for the retry to count as the same request (I4). */
interface Expected {
  kind: CreditLog['kind']
  operation?: string
  /** Requested amount: grant delta, charge/settle cost + shortfall, hold amount. */
  amount?: number
  holdId?: string
  runId?: string | null
}

/**
 * Create the PostgreSQL credit ledger. Each movement is one call of a plpgsql function created by the
 * migrations (one round trip, one implicit transaction): guarded UPDATE + hold row + ledger row together.
 *
 * @example
 * ```ts
 * const ledger = createLedger(db, { logger, holdTtlMs: 5 * 60_000 })
 * await ledger.ensureUser({ userId: 'user_1', initialCredits: 100 })
 * const hold = await ledger.reserve({ userId: 'user_1', amount: 20, idempotencyKey: 'reserve:run_1', runId: 'run_1' })
 * await ledger.settle(hold.id, { amount: 7, model: 'gemini-2.5-flash', finishReason: 'stop' })
 * ```
 */
export function createLedger(db: Database, options: LedgerOptions = {}): PgCreditLedger {
  const logger = options.logger
  const defaultTtl = assertIntInRange(
    'holdTtlMs',
    options.holdTtlMs ?? DEFAULT_HOLD_TTL_MS,
    1,
    MAX_HOLD_TTL_MS,
  )

  /** Run a ledger function; connection failures become LedgerUnavailableError (safe to retry, same key). */
  async function call(query: SQL): Promise<Outcome> {
    try {
      const result = await db.execute<{ r: Outcome }>(query)
      const row = result.rows[0]
      if (!row) throw new Error('ledger function returned no row')
      return typeof row.r === 'string' ? (JSON.parse(row.r) as Outcome) : row.r
    } catch (err) {
      throw translate(err)
    }
  }

  function translate(err: unknown): unknown {
    if (isDatabaseUnavailableError(err)) {
      logger?.warn({ err }, 'credit ledger unavailable')
      return new LedgerUnavailableError(
        'The credit ledger database is unavailable; retry with the same key',
        {
          cause: err,
        },
      )
    }
    // users_credits_safe_integer: a grant would push the balance past 2^53 - 1.
    if (sqlStateOf(err)?.code === '23514')
      return new InvalidAmountError(undefined, 'balance would exceed the safe range')
    return err
  }

  /**
   * Run a movement; if it lost an idempotency race on the unique index (23505: the statement, including its
   * balance UPDATE, was rolled back), read the winner's committed entry instead.
   */
  async function move(userId: string | undefined, key: string, query: SQL): Promise<Outcome> {
    try {
      return await call(query)
    } catch (err) {
      if (sqlStateOf(err)?.code !== '23505' || userId === undefined) throw err
      const found = await call(sql`select ledger_lookup(${userId}, ${key}) as r`)
      if (found.status === 'none') throw err
      return found
    }
  }

  /** Throw IdempotencyConflictError unless the replayed entry is the same request. */
  function checkReplay(
    key: string,
    outcome: Outcome,
    expected: Expected,
  ): { entry: CreditLog; hold?: CreditHold } {
    const entry = creditLogFromJson(outcome.entry ?? {})
    const hold = outcome.hold ? creditHoldFromJson(outcome.hold) : undefined
    const requested =
      expected.kind === 'grant'
        ? entry.delta
        : expected.kind === 'hold'
          ? hold?.amount
          : entry.cost + entry.shortfall
    const same =
      entry.kind === expected.kind &&
      (expected.operation === undefined ||
        (expected.kind === 'hold' ? hold?.operation : entry.operation) === expected.operation) &&
      (expected.amount === undefined || requested === expected.amount) &&
      (expected.holdId === undefined || entry.holdId === expected.holdId) &&
      (expected.runId === undefined || hold?.runId === expected.runId)
    if (!same) throw new IdempotencyConflictError(key)
    logger?.debug({ idempotencyKey: key, entryId: entry.id }, 'credit ledger replay')
    return hold ? { entry, hold } : { entry }
  }

  function failure(outcome: Outcome, userId: string, amount: number, holdId?: string): never {
    switch (outcome.status) {
      case 'insufficient':
        throw new InsufficientCreditsError(amount, Number(outcome.balance ?? 0))
      case 'user_not_found':
        throw new UserNotFoundError(userId)
      case 'hold_not_found':
        throw new HoldNotFoundError(holdId ?? '')
      case 'hold_not_active':
        throw new HoldNotActiveError(holdId ?? '', outcome.hold_status ?? 'unknown')
      default:
        throw new Error(`unexpected ledger outcome ${outcome.status}`)
    }
  }

  function assertHoldId(holdId: unknown): string {
    const id = assertId('holdId', holdId)
    // Not a UUID: it cannot name a hold, and SQL would reject the cast.
    if (!isUuid(id)) throw new HoldNotFoundError(id)
    return id
  }

  const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value))

  return {
    async ensureUser(input: EnsureUserInput): Promise<EnsureUserResult> {
      const userId = assertId('userId', input.userId)
      const initial = assertNonNegativeAmount(input.initialCredits ?? 0)
      const out = await call(sql`select ledger_ensure_user(${userId}, ${initial}::bigint) as r`)
      return { userId, credits: Number(out.credits), created: out.created === true }
    },

    async grant(input: GrantInput): Promise<MovementResult> {
      const userId = assertId('userId', input.userId)
      const amount = assertAmount(input.amount)
      const key = assertId('idempotencyKey', input.idempotencyKey)
      const operation = assertId('operation', input.operation ?? 'grant')
      const metadata = assertMetadata(input.metadata)
      if (input.reason !== undefined) assertId('reason', input.reason)
      const meta = input.reason === undefined ? metadata : { ...metadata, reason: input.reason }
      const out = await move(
        userId,
        key,
        sql`select ledger_grant(${userId}, ${amount}::bigint, ${key}, ${operation}, ${json(meta)}::jsonb) as r`,
      )
      if (out.status === 'ok' || out.status === 'replay') {
        const { entry } =
          out.status === 'replay'
            ? checkReplay(key, out, { kind: 'grant', operation, amount })
            : { entry: creditLogFromJson(out.entry ?? {}) }
        return { entryId: entry.id, balance: entry.balanceAfter, replayed: out.status === 'replay' }
      }
      return failure(out, userId, amount)
    },

    async reserve(input: ReserveInput): Promise<Hold> {
      const userId = assertId('userId', input.userId)
      const amount = assertAmount(input.amount)
      const key = assertId('idempotencyKey', input.idempotencyKey)
      const operation = assertId('operation', input.operation ?? 'chat')
      const runId = input.runId === undefined ? null : assertId('runId', input.runId)
      const ttl =
        input.ttlMs === undefined ? defaultTtl : assertIntInRange('ttlMs', input.ttlMs, 1, MAX_HOLD_TTL_MS)
      const metadata = assertMetadata(input.metadata)
      const out = await move(
        userId,
        key,
        sql`select ledger_reserve(${userId}, ${amount}::bigint, ${key}, ${operation}, ${runId}::text, ${ttl}::bigint, ${json(metadata)}::jsonb) as r`,
      )
      if (out.status === 'replay') {
        // A retry that omits runId still matches; one that names a different run does not.
        const { hold } = checkReplay(key, out, {
          kind: 'hold',
          operation,
          amount,
          runId: input.runId === undefined ? undefined : runId,
        })
        return toHold(hold!, true)
      }
      if (out.status === 'ok') return toHold(creditHoldFromJson(out.hold ?? {}), false)
      return failure(out, userId, amount)
    },

    async settle(holdId: string, input: SettleInput): Promise<SettleResult> {
      const id = assertHoldId(holdId)
      const amount = assertNonNegativeAmount(input.amount)
      const key = assertId('idempotencyKey', input.idempotencyKey ?? `settle:${id}`)
      const details = detailsToColumns(input)
      const out = await call(
        sql`select ledger_settle(${id}::uuid, ${amount}::bigint, ${key}, ${JSON.stringify(details)}::jsonb) as r`,
      )
      if (out.status !== 'ok' && out.status !== 'replay') return failure(out, '', amount, id)
      const { entry } =
        out.status === 'replay'
          ? checkReplay(key, out, { kind: 'settle', amount, holdId: id })
          : { entry: creditLogFromJson(out.entry ?? {}) }
      return {
        holdId: id,
        entryId: entry.id,
        charged: entry.cost,
        released: Math.max(entry.delta, 0),
        shortfall: entry.shortfall,
        balance: entry.balanceAfter,
        held: Number(out.held ?? 0),
        replayed: out.status === 'replay',
      }
    },

    async release(holdId: string, input: ReleaseInput = {}): Promise<ReleaseResult> {
      const id = assertHoldId(holdId)
      const key = assertId('idempotencyKey', input.idempotencyKey ?? `release:${id}`)
      const reason = input.reason === undefined ? null : assertId('reason', input.reason)
      const out = await call(sql`select ledger_release(${id}::uuid, ${key}, ${reason}::text) as r`)
      if (out.status !== 'ok' && out.status !== 'replay') return failure(out, '', 0, id)
      const { entry } =
        out.status === 'replay'
          ? checkReplay(key, out, { kind: 'release', holdId: id })
          : { entry: creditLogFromJson(out.entry ?? {}) }
      return {
        holdId: id,
        entryId: entry.id,
        released: entry.delta,
        balance: entry.balanceAfter,
        replayed: out.status === 'replay',
      }
    },

    async charge(input: ChargeInput): Promise<ChargeResult> {
      const userId = assertId('userId', input.userId)
      const amount = assertAmount(input.amount)
      const key = assertId('idempotencyKey', input.idempotencyKey)
      const operation = assertId('operation', input.operation)
      const allowPartial = input.allowPartial === true
      const details = detailsToColumns(input)
      const out = await move(
        userId,
        key,
        sql`select ledger_charge(${userId}, ${amount}::bigint, ${key}, ${operation}, ${allowPartial}, ${JSON.stringify(details)}::jsonb) as r`,
      )
      if (out.status !== 'ok' && out.status !== 'replay') return failure(out, userId, amount)
      const { entry } =
        out.status === 'replay'
          ? checkReplay(key, out, { kind: 'charge', operation, amount })
          : { entry: creditLogFromJson(out.entry ?? {}) }
      return {
        entryId: entry.id,
        balance: entry.balanceAfter,
        replayed: out.status === 'replay',
        charged: entry.cost,
        shortfall: entry.shortfall,
      }
    },

    async balance(userId: string): Promise<Balance> {
      const id = assertId('userId', userId)
      try {
        const result = await db.execute<{ credits: string | number; held: string | number }>(
          sql`select credits, ledger_held(id) as held from users where id = ${id}`,
        )
        const row = result.rows[0]
        if (!row) throw new UserNotFoundError(id)
        return { credits: Number(row.credits), held: Number(row.held) }
      } catch (err) {
        throw translate(err)
      }
    },

    async history(userId: string, opts: HistoryOptions = {}): Promise<HistoryPage> {
      const id = assertId('userId', userId)
      const limit = assertIntInRange('limit', opts.limit ?? 50, 1, 200)
      try {
        return await history(db, id, limit, opts.cursor)
      } catch (err) {
        throw translate(err)
      }
    },

    async sweepExpired(opts: { limit?: number } = {}): Promise<SweepResult> {
      const limit = assertIntInRange('limit', opts.limit ?? 500, 1, 10_000)
      const out = await call(sql`select ledger_sweep(${limit}::integer) as r`)
      const expired = (out.expired ?? []).map((e) => ({
        holdId: String(e.holdId),
        userId: String(e.userId),
        amount: Number(e.amount),
      }))
      if (expired.length > 0) logger?.info({ count: expired.length }, 'expired credit holds swept')
      return { expired }
    },

    async summary(userId: string, opts: { days: number }): Promise<DailyUsage[]> {
      const id = assertId('userId', userId)
      const days = assertIntInRange('days', opts?.days, 1, 366)
      try {
        return await summary(db, id, days)
      } catch (err) {
        throw translate(err)
      }
    },

    async activeHolds(userId: string): Promise<Hold[]> {
      const id = assertId('userId', userId)
      try {
        return await activeHolds(db, id)
      } catch (err) {
        throw translate(err)
      }
    },
  }
}
