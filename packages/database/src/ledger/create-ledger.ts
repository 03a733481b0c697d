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
import type { PGlite } from '@electric-sql/pglite'
import { sql } from 'drizzle-orm'
import type pg from 'pg'
import type { Database } from '../client'
import type { CreditHold, CreditLog } from '../schema/index'
import { isDatabaseUnavailableError, sqlStateOf } from '../unavailable'
import { activeHolds, type DailyUsage, history, summary } from './queries'
import { creditHoldFromJson, creditLogFromJson, type Movement, movementFromJson, toHold } from './rows'
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

/** The SQL of each ledger function call (drizzle/0002_ledger_functions.sql), with explicit parameter types. */
const STATEMENTS = {
  ledger_lookup: 'select ledger_lookup($1::text, $2::text) as r',
  ledger_lookup_hold: 'select ledger_lookup_hold($1::uuid, $2::text) as r',
  ledger_ensure_user: 'select ledger_ensure_user($1::text, $2::bigint) as r',
  ledger_grant: 'select ledger_grant($1::text, $2::bigint, $3::text, $4::text, $5::jsonb) as r',
  ledger_charge:
    'select ledger_charge($1::text, $2::bigint, $3::text, $4::text, $5::boolean, $6::jsonb) as r',
  ledger_reserve:
    'select ledger_reserve($1::text, $2::bigint, $3::text, $4::text, $5::text, $6::bigint, $7::jsonb) as r',
  ledger_settle: 'select ledger_settle($1::uuid, $2::bigint, $3::text, $4::jsonb) as r',
  ledger_release: 'select ledger_release($1::uuid, $2::text, $3::text) as r',
  ledger_sweep: 'select ledger_sweep($1::integer) as r',
} as const
type LedgerFunction = keyof typeof STATEMENTS

const DEFAULT_HOLD_TTL_MS = 10 * 60 * 1000
// Longer than any sane run; keeps a typo from parking credits for years.
const MAX_HOLD_TTL_MS = 7 * 24 * 60 * 60 * 1000

/**
 * What a ledger function answered (drizzle/0002_ledger_functions.sql). `entry` is the whole first row on a
 * replay and only the moved amounts (`ledger_movement()`) on success.
 */
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

  /**
   * Run a ledger function; connection failures become LedgerUnavailableError (safe to retry, same key).
   * The call goes to the driver directly (not through drizzle's query builder): on pg as a NAMED prepared
   * statement, so each pooled connection parses and plans it once instead of on every credit movement.
   */
  async function call(fn: LedgerFunction, values: unknown[]): Promise<Outcome> {
    const text = STATEMENTS[fn]
    try {
      const result =
        db.driver === 'pg'
          ? await (db.$client as pg.Pool).query<{ r: Outcome }>({ name: `${fn}_v1`, text, values })
          : await (db.$client as PGlite).query<{ r: Outcome }>(text, values)
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
   * Run a movement; if its INSERT hit the unique (user_id, idempotency_key) index (23505: a retry, or the
   * loser of a race; the whole statement, balance UPDATE included, was rolled back), read the first entry
   * with that key instead and let the caller compare parameters.
   */
  async function move(
    fn: LedgerFunction,
    values: unknown[],
    lookup: ['ledger_lookup' | 'ledger_lookup_hold', [string, string]],
  ): Promise<Outcome> {
    try {
      return await call(fn, values)
    } catch (err) {
      if (sqlStateOf(err)?.code !== '23505') throw err
      const found = await call(lookup[0], lookup[1])
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
      const out = await call('ledger_ensure_user', [userId, initial])
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
        'ledger_grant',
        [userId, amount, key, operation, json(meta)],
        ['ledger_lookup', [userId, key]],
      )
      if (out.status === 'ok' || out.status === 'replay') {
        const { entry }: { entry: Movement } =
          out.status === 'replay'
            ? checkReplay(key, out, { kind: 'grant', operation, amount })
            : { entry: movementFromJson(out.entry ?? {}) }
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
        'ledger_reserve',
        [userId, amount, key, operation, runId, ttl, json(metadata)],
        ['ledger_lookup', [userId, key]],
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
      const out = await move(
        'ledger_settle',
        [id, amount, key, JSON.stringify(details)],
        ['ledger_lookup_hold', [id, key]],
      )
      if (out.status !== 'ok' && out.status !== 'replay') return failure(out, '', amount, id)
      const { entry }: { entry: Movement } =
        out.status === 'replay'
          ? checkReplay(key, out, { kind: 'settle', amount, holdId: id })
          : { entry: movementFromJson(out.entry ?? {}) }
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
      const out = await move('ledger_release', [id, key, reason], ['ledger_lookup_hold', [id, key]])
      if (out.status !== 'ok' && out.status !== 'replay') return failure(out, '', 0, id)
      const { entry }: { entry: Movement } =
        out.status === 'replay'
          ? checkReplay(key, out, { kind: 'release', holdId: id })
          : { entry: movementFromJson(out.entry ?? {}) }
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
        'ledger_charge',
        [userId, amount, key, operation, allowPartial, JSON.stringify(details)],
        ['ledger_lookup', [userId, key]],
      )
      if (out.status !== 'ok' && out.status !== 'replay') return failure(out, userId, amount)
      const { entry }: { entry: Movement } =
        out.status === 'replay'
          ? checkReplay(key, out, { kind: 'charge', operation, amount })
          : { entry: movementFromJson(out.entry ?? {}) }
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
      const out = await call('ledger_sweep', [limit])
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
