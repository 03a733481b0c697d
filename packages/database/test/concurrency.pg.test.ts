import {
  type ChargeResult,
  HoldNotActiveError,
  InsufficientCreditsError,
  type SettleResult,
} from '@10xstudent/domain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLedger, type PgCreditLedger } from '../src/index'
import { createTestDatabase, type TestDatabase } from '../src/testing/index'
import { expectInvariants, pgUrlOrWarn, runLimited, uid } from './helpers'

/**
 * The concurrency scenarios of issue 3, on real PostgreSQL (row locks, READ COMMITTED re-checks and unique
 * index waits are what is being tested, so an embedded single-connection database would prove nothing).
 * Invariants I1-I3 are checked over the whole database after every scenario.
 */
const baseUrl = pgUrlOrWarn('concurrency.pg')

describe.skipIf(!baseUrl)('ledger concurrency on PostgreSQL', () => {
  let testDb: TestDatabase
  let ledger: PgCreditLedger

  beforeAll(async () => {
    // 20 connections: enough real parallelism without exhausting the shared server's max_connections.
    testDb = await createTestDatabase({ baseUrl: baseUrl!, poolSize: 20 })
    ledger = createLedger(testDb.db)
  })
  afterAll(async () => {
    await testDb?.drop()
  })

  it('1000 charge(1) with 100 in flight on a balance of 100: exactly 100 succeed', async () => {
    const userId = uid()
    await ledger.ensureUser({ userId, initialCredits: 100 })
    const results = await runLimited(1000, 100, (i) =>
      ledger.charge({ userId, amount: 1, operation: 'web_search', idempotencyKey: `c${i}` }),
    )
    const ok = results.filter((r) => r.status === 'fulfilled')
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(ok).toHaveLength(100)
    expect(failed).toHaveLength(900)
    for (const f of failed) expect(f.reason).toBeInstanceOf(InsufficientCreditsError)
    expect(await ledger.balance(userId)).toEqual({ credits: 0, held: 0 })
    const balances = ok
      .map((r) => (r as PromiseFulfilledResult<ChargeResult>).value.balance)
      .sort((a, b) => a - b)
    expect(balances).toEqual(Array.from({ length: 100 }, (_, i) => i))
    await expectInvariants(testDb.db)
  })

  it.each([
    [
      'charge',
      (l: PgCreditLedger, userId: string) =>
        l.charge({ userId, amount: 3, operation: 'op', idempotencyKey: 'one' }),
    ],
    ['grant', (l: PgCreditLedger, userId: string) => l.grant({ userId, amount: 3, idempotencyKey: 'one' })],
    [
      'reserve',
      (l: PgCreditLedger, userId: string) => l.reserve({ userId, amount: 3, idempotencyKey: 'one' }),
    ],
  ] as const)('200 concurrent %s calls with one key have one effect', async (kind, call) => {
    const userId = uid()
    await ledger.ensureUser({ userId, initialCredits: 1000 })
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => call(ledger, userId)))
    const rejected = results.filter((r) => r.status === 'rejected')
    expect(rejected.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([])
    const values = results.map(
      (r) => (r as PromiseFulfilledResult<{ replayed: boolean; entryId?: string; id?: string }>).value,
    )
    expect(values.filter((v) => !v.replayed)).toHaveLength(1)
    const ids = new Set(values.map((v) => v.entryId ?? v.id))
    expect(ids.size).toBe(1)
    const { credits, held } = await ledger.balance(userId)
    expect({ credits, held }).toEqual(
      kind === 'grant'
        ? { credits: 1003, held: 0 }
        : kind === 'charge'
          ? { credits: 997, held: 0 }
          : { credits: 997, held: 3 },
    )
    expect((await ledger.history(userId)).items).toHaveLength(2)
    await expectInvariants(testDb.db)
  })

  it('50 concurrent reserve(100) on a balance of 1000: exactly 10 holds', async () => {
    const userId = uid()
    await ledger.ensureUser({ userId, initialCredits: 1000 })
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => ledger.reserve({ userId, amount: 100, idempotencyKey: `r${i}` })),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10)
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected'))
      expect(r.reason).toBeInstanceOf(InsufficientCreditsError)
    expect(await ledger.balance(userId)).toEqual({ credits: 0, held: 1000 })
    expect(await ledger.activeHolds(userId)).toHaveLength(10)
    await expectInvariants(testDb.db)
  })

  it('settle racing two sweepers: every expired hold resolves exactly once', async () => {
    const userId = uid()
    await ledger.ensureUser({ userId, initialCredits: 400 })
    const holds = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ledger.reserve({ userId, amount: 10, idempotencyKey: `h${i}`, ttlMs: 1 }),
      ),
    )
    await new Promise((r) => setTimeout(r, 10))
    const [settles, sweepA, sweepB] = await Promise.all([
      Promise.allSettled(holds.map((h) => ledger.settle(h.id, { amount: 4 }))),
      ledger.sweepExpired({ limit: 500 }),
      ledger.sweepExpired({ limit: 500 }),
    ])
    const settled = settles.filter((r): r is PromiseFulfilledResult<SettleResult> => r.status === 'fulfilled')
    const lost = settles.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    for (const r of lost) expect(r.reason).toMatchObject({ code: 'hold_not_active', status: 'expired' })
    const swept = [...sweepA.expired, ...sweepB.expired].map((e) => e.holdId)
    expect(new Set(swept).size).toBe(swept.length)
    const winners = [...settled.map((r) => r.value.holdId), ...swept].sort()
    expect(winners).toEqual(holds.map((h) => h.id).sort())
    expect(lost).toHaveLength(swept.length)
    // Each settle keeps 4 of its 10; each expiry returns all 10.
    expect(await ledger.balance(userId)).toEqual({ credits: 400 - 4 * settled.length, held: 0 })
    await expectInvariants(testDb.db)
  })

  it('double settle and settle racing release: exactly one resolution per hold', async () => {
    const userId = uid()
    await ledger.ensureUser({ userId, initialCredits: 600 })
    const holds = await Promise.all(
      Array.from({ length: 30 }, (_, i) => ledger.reserve({ userId, amount: 20, idempotencyKey: `h${i}` })),
    )
    const outcomes = await Promise.all(
      holds.map(async (hold, i) => {
        const second =
          i % 3 === 0
            ? ledger.release(hold.id)
            : ledger.settle(hold.id, { amount: 5, idempotencyKey: i % 3 === 1 ? `other:${i}` : undefined })
        return Promise.allSettled([ledger.settle(hold.id, { amount: 5 }), second])
      }),
    )
    let charged = 0
    outcomes.forEach(([first, second], i) => {
      if (i % 3 === 2) {
        // Same key, same amount: both succeed, exactly one is the original.
        const values = [first, second].map((r) => (r as PromiseFulfilledResult<SettleResult>).value)
        expect(values.map((v) => v.replayed).sort()).toEqual([false, true])
        expect(values[0]!.entryId).toBe(values[1]!.entryId)
        charged += 5
        return
      }
      const wins = [first, second].filter((r) => r.status === 'fulfilled')
      expect(wins).toHaveLength(1)
      const loss = [first, second].find((r) => r.status === 'rejected') as PromiseRejectedResult
      expect(loss.reason).toBeInstanceOf(HoldNotActiveError)
      if (first.status === 'fulfilled' || i % 3 === 1) charged += 5
    })
    expect(await ledger.balance(userId)).toEqual({ credits: 600 - charged, held: 0 })
    await expectInvariants(testDb.db)
  })
})
