/**
 * An in-memory `CreditLedger` with the contract's semantics (guarded balance, holds that resolve once,
 * idempotency keys scoped per user with conflict detection, allowPartial charges). It is for unit tests of
 * metering logic in isolation and for benchmarks that should measure metering, not a database. Real
 * billing uses `@10xstudent/database`'s ledger.
 */
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
  type LedgerEntry,
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

export interface MemoryLedgerOptions {
  /** Hold lifetime; default 15 minutes. */
  holdTtlMs?: number
  /** Clock (injected so expiry can be tested without waiting). */
  now?: () => number
}

/** The in-memory ledger plus inspection helpers for tests. */
export interface MemoryLedger extends CreditLedger {
  /** Every entry, oldest first. */
  readonly entries: readonly LedgerEntry[]
  holds(): Hold[]
}

/**
 * Create an in-memory ledger.
 *
 * @example
 * ```ts
 * const ledger = createMemoryLedger()
 * await ledger.ensureUser({ userId: 'u1', initialCredits: 100 })
 * ```
 */
export function createMemoryLedger(options: MemoryLedgerOptions = {}): MemoryLedger {
  const ttl = options.holdTtlMs ?? 15 * 60_000
  const now = options.now ?? Date.now
  const users = new Map<string, { credits: number }>()
  const holds = new Map<string, Hold>()
  const keys = new Map<string, { fingerprint: string; result: unknown }>()
  const entries: LedgerEntry[] = []
  let seq = 0

  const user = (userId: string) => {
    const u = users.get(userId)
    if (!u) throw new UserNotFoundError(userId)
    return u
  }
  /** Credits in active holds, kept per user so a read never scans every hold ever made. */
  const held = new Map<string, number>()
  const heldBy = (userId: string) => held.get(userId) ?? 0
  const resolveHold = (hold: Hold, status: Hold['status']) => {
    hold.status = status
    held.set(hold.userId, heldBy(hold.userId) - hold.amount)
  }
  /** Run `effect` once per (user, key); replay the first result; conflict on other parameters. */
  const once = <T extends { replayed: boolean }>(
    userId: string,
    key: string,
    params: unknown,
    effect: () => T,
  ): T => {
    const scoped = `${userId}\u0000${key}`
    const fingerprint = JSON.stringify(params)
    const seen = keys.get(scoped)
    if (seen) {
      if (seen.fingerprint !== fingerprint) throw new IdempotencyConflictError(key)
      return { ...(seen.result as T), replayed: true }
    }
    const result = effect()
    keys.set(scoped, { fingerprint, result })
    return result
  }
  const write = (e: Partial<LedgerEntry> & Pick<LedgerEntry, 'userId' | 'kind' | 'delta'>): LedgerEntry => {
    const entry: LedgerEntry = {
      id: `entry_${++seq}`,
      operation: 'chat',
      cost: 0,
      balanceAfter: users.get(e.userId)?.credits ?? null,
      tokensUsed: null,
      model: null,
      pools: null,
      finishReason: null,
      runId: null,
      holdId: null,
      idempotencyKey: null,
      priceVersion: null,
      costMicros: null,
      shortfall: 0,
      estimated: false,
      metadata: null,
      createdAt: new Date(now()),
      ...e,
    }
    entries.push(entry)
    return entry
  }

  const ledger: MemoryLedger = {
    entries,
    holds: () => [...holds.values()],

    async ensureUser(input: EnsureUserInput): Promise<EnsureUserResult> {
      const userId = assertId('userId', input.userId)
      const existing = users.get(userId)
      if (existing) return { userId, credits: existing.credits, created: false }
      const initial = input.initialCredits ? assertAmount(input.initialCredits) : 0
      users.set(userId, { credits: initial })
      if (initial > 0) write({ userId, kind: 'grant', delta: initial, operation: 'grant' })
      return { userId, credits: initial, created: true }
    },

    async grant(input: GrantInput): Promise<MovementResult> {
      const amount = assertAmount(input.amount)
      const u = user(assertId('userId', input.userId))
      return once(input.userId, input.idempotencyKey, { op: 'grant', amount }, () => {
        u.credits += amount
        const e = write({
          userId: input.userId,
          kind: 'grant',
          delta: amount,
          operation: input.operation ?? 'grant',
          idempotencyKey: input.idempotencyKey,
        })
        return { entryId: e.id, balance: u.credits, replayed: false }
      })
    },

    async reserve(input: ReserveInput): Promise<Hold> {
      const amount = assertAmount(input.amount)
      const u = user(assertId('userId', input.userId))
      return once(input.userId, input.idempotencyKey, { op: 'reserve', amount }, () => {
        if (u.credits < amount) throw new InsufficientCreditsError(amount, u.credits)
        u.credits -= amount
        const hold: Hold = {
          id: `hold_${++seq}`,
          userId: input.userId,
          amount,
          status: 'active',
          operation: input.operation ?? 'chat',
          runId: input.runId ?? null,
          idempotencyKey: input.idempotencyKey,
          expiresAt: new Date(now() + (input.ttlMs ?? ttl)),
          createdAt: new Date(now()),
          replayed: false,
        }
        holds.set(hold.id, hold)
        held.set(input.userId, heldBy(input.userId) + amount)
        write({
          userId: input.userId,
          kind: 'hold',
          delta: -amount,
          holdId: hold.id,
          runId: hold.runId,
          idempotencyKey: input.idempotencyKey,
        })
        return { ...hold }
      })
    },

    async settle(holdId: string, input: SettleInput): Promise<SettleResult> {
      const amount = assertNonNegativeAmount(input.amount)
      const hold = holds.get(holdId)
      if (!hold) throw new HoldNotFoundError(holdId)
      const key = input.idempotencyKey ?? `settle:${holdId}`
      return once(hold.userId, key, { op: 'settle', holdId, amount }, () => {
        if (hold.status !== 'active') throw new HoldNotActiveError(holdId, hold.status)
        const u = user(hold.userId)
        const fromHold = Math.min(amount, hold.amount)
        const beyond = amount - fromHold
        const fromBalance = Math.min(beyond, u.credits)
        const released = hold.amount - fromHold
        u.credits += released - fromBalance
        resolveHold(hold, 'settled')
        const e = write({
          userId: hold.userId,
          kind: 'settle',
          delta: released - fromBalance,
          cost: fromHold + fromBalance,
          holdId,
          idempotencyKey: key,
          model: input.model ?? null,
          pools: input.usage ?? null,
          tokensUsed: input.tokensUsed ?? null,
          finishReason: input.finishReason ?? null,
          priceVersion: input.priceVersion ?? null,
          costMicros: input.costMicros ?? null,
          estimated: input.estimated ?? false,
          runId: input.runId ?? hold.runId,
          shortfall: beyond - fromBalance,
        })
        return {
          holdId,
          entryId: e.id,
          charged: fromHold + fromBalance,
          released,
          shortfall: beyond - fromBalance,
          balance: u.credits,
          held: heldBy(hold.userId),
          replayed: false,
        }
      })
    },

    async release(holdId: string, input: ReleaseInput = {}): Promise<ReleaseResult> {
      const hold = holds.get(holdId)
      if (!hold) throw new HoldNotFoundError(holdId)
      const key = input.idempotencyKey ?? `release:${holdId}`
      return once(hold.userId, key, { op: 'release', holdId }, () => {
        if (hold.status !== 'active') throw new HoldNotActiveError(holdId, hold.status)
        const u = user(hold.userId)
        u.credits += hold.amount
        resolveHold(hold, 'released')
        const e = write({
          userId: hold.userId,
          kind: 'release',
          delta: hold.amount,
          holdId,
          idempotencyKey: key,
        })
        return { holdId, entryId: e.id, released: hold.amount, balance: u.credits, replayed: false }
      })
    },

    async charge(input: ChargeInput): Promise<ChargeResult> {
      const amount = assertAmount(input.amount)
      const u = user(assertId('userId', input.userId))
      return once(
        input.userId,
        input.idempotencyKey,
        { op: 'charge', amount, partial: !!input.allowPartial },
        () => {
          if (u.credits < amount && !input.allowPartial) throw new InsufficientCreditsError(amount, u.credits)
          const charged = Math.min(amount, u.credits)
          u.credits -= charged
          const e = write({
            userId: input.userId,
            kind: 'charge',
            delta: -charged,
            cost: charged,
            operation: input.operation,
            idempotencyKey: input.idempotencyKey,
            model: input.model ?? null,
            pools: input.usage ?? null,
            tokensUsed: input.tokensUsed ?? null,
            finishReason: input.finishReason ?? null,
            estimated: input.estimated ?? false,
            runId: input.runId ?? null,
            shortfall: amount - charged,
          })
          return { entryId: e.id, balance: u.credits, replayed: false, charged, shortfall: amount - charged }
        },
      )
    },

    async balance(userId: string): Promise<Balance> {
      return { credits: user(userId).credits, held: heldBy(userId) }
    },

    async history(userId: string, opts: HistoryOptions = {}): Promise<HistoryPage> {
      user(userId)
      const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200)
      const mine = entries.filter((e) => e.userId === userId).reverse()
      const start = opts.cursor ? Number(opts.cursor) : 0
      const items = mine.slice(start, start + limit)
      return { items, nextCursor: start + limit < mine.length ? String(start + limit) : null }
    },

    async sweepExpired(opts: { limit?: number } = {}): Promise<SweepResult> {
      const expired: SweepResult['expired'] = []
      for (const hold of holds.values()) {
        if (expired.length >= (opts.limit ?? 100)) break
        if (hold.status !== 'active' || hold.expiresAt.getTime() > now()) continue
        resolveHold(hold, 'expired')
        user(hold.userId).credits += hold.amount
        write({ userId: hold.userId, kind: 'expire', delta: hold.amount, holdId: hold.id })
        expired.push({ holdId: hold.id, userId: hold.userId, amount: hold.amount })
      }
      return { expired }
    },
  }
  return ledger
}

/** Which ledger methods fail, and how many times (`'always'` never recovers). */
export interface LedgerFaults {
  settle?: number | 'always'
  charge?: number | 'always'
  balance?: number | 'always'
  reserve?: number | 'always'
}

/**
 * Wrap a ledger so chosen methods throw `LedgerUnavailableError` (before reaching the ledger) a number of
 * times, to test retries and the unreachable-ledger path against a real ledger. `calls` counts attempts.
 *
 * @example
 * ```ts
 * const flaky = withLedgerFaults(ledger, { settle: 2 }) // the first two settle attempts fail
 * ```
 */
export function withLedgerFaults(
  ledger: CreditLedger,
  faults: LedgerFaults,
): CreditLedger & { calls: Record<string, number> } {
  const calls: Record<string, number> = {}
  const left: Record<string, number> = {}
  for (const [k, v] of Object.entries(faults)) left[k] = v === 'always' ? Number.POSITIVE_INFINITY : (v ?? 0)
  const guard = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1
    if ((left[name] ?? 0) > 0) {
      left[name] = (left[name] ?? 0) - 1
      throw new LedgerUnavailableError(`simulated outage of ledger.${name}`)
    }
  }
  return {
    calls,
    ensureUser: (i) => ledger.ensureUser(i),
    grant: (i) => ledger.grant(i),
    reserve: async (i) => {
      guard('reserve')
      return ledger.reserve(i)
    },
    settle: async (id, i) => {
      guard('settle')
      return ledger.settle(id, i)
    },
    release: (id, i) => ledger.release(id, i),
    charge: async (i) => {
      guard('charge')
      return ledger.charge(i)
    },
    balance: async (u) => {
      guard('balance')
      return ledger.balance(u)
    },
    history: (u, o) => ledger.history(u, o),
    sweepExpired: (o) => ledger.sweepExpired(o),
  }
}
