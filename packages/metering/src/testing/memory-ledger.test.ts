import {
  HoldNotActiveError,
  IdempotencyConflictError,
  InsufficientCreditsError,
  InvalidAmountError,
  LedgerUnavailableError,
  UserNotFoundError,
} from '@10xstudent/domain'
import { beforeEach, describe, expect, it } from 'vitest'
import { createMemoryLedger, type MemoryLedger, withLedgerFaults } from './memory-ledger'

let clock = 0
let ledger: MemoryLedger
beforeEach(async () => {
  clock = 1_000_000
  ledger = createMemoryLedger({ now: () => clock })
  await ledger.ensureUser({ userId: 'u', initialCredits: 100 })
})

describe('createMemoryLedger (the test double behind unit tests and the benchmark)', () => {
  it('moves credits into a hold and back out exactly once', async () => {
    const hold = await ledger.reserve({ userId: 'u', amount: 30, idempotencyKey: 'r1' })
    expect(await ledger.balance('u')).toEqual({ credits: 70, held: 30 })
    const settled = await ledger.settle(hold.id, { amount: 12 })
    expect(settled).toMatchObject({ charged: 12, released: 18, balance: 88, held: 0, replayed: false })
    expect(await ledger.settle(hold.id, { amount: 12 })).toMatchObject({ replayed: true, balance: 88 })
    await expect(ledger.release(hold.id)).rejects.toBeInstanceOf(HoldNotActiveError)
  })

  it('keeps idempotency keys per user and rejects a reuse with other parameters', async () => {
    await ledger.grant({ userId: 'u', amount: 5, idempotencyKey: 'g' })
    expect(await ledger.grant({ userId: 'u', amount: 5, idempotencyKey: 'g' })).toMatchObject({
      replayed: true,
      balance: 105,
    })
    await expect(ledger.grant({ userId: 'u', amount: 6, idempotencyKey: 'g' })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    )
  })

  it('never overdraws: refuses a short reserve or charge, takes what is there with allowPartial', async () => {
    await expect(ledger.reserve({ userId: 'u', amount: 101, idempotencyKey: 'big' })).rejects.toBeInstanceOf(
      InsufficientCreditsError,
    )
    await expect(
      ledger.charge({ userId: 'u', amount: 101, idempotencyKey: 'c', operation: 'x' }),
    ).rejects.toBeInstanceOf(InsufficientCreditsError)
    expect(
      await ledger.charge({
        userId: 'u',
        amount: 101,
        idempotencyKey: 'p',
        operation: 'x',
        allowPartial: true,
      }),
    ).toMatchObject({
      charged: 100,
      shortfall: 1,
      balance: 0,
    })
  })

  it('expires holds past their ttl by its clock, once', async () => {
    await ledger.reserve({ userId: 'u', amount: 10, idempotencyKey: 'r', ttlMs: 1_000 })
    expect((await ledger.sweepExpired()).expired).toHaveLength(0)
    clock += 1_001
    expect((await ledger.sweepExpired()).expired).toEqual([expect.objectContaining({ amount: 10 })])
    expect((await ledger.sweepExpired()).expired).toHaveLength(0)
    expect(await ledger.balance('u')).toEqual({ credits: 100, held: 0 })
  })

  it.each([0, -1, 1.5, Number.NaN, '5'])('rejects the amount %j before any effect', async (amount) => {
    await expect(
      ledger.charge({ userId: 'u', amount: amount as number, idempotencyKey: 'k', operation: 'x' }),
    ).rejects.toBeInstanceOf(InvalidAmountError)
  })

  it('rejects an unknown user', async () => {
    await expect(ledger.balance('nobody')).rejects.toBeInstanceOf(UserNotFoundError)
  })

  it('withLedgerFaults fails the chosen calls the chosen number of times, then passes through', async () => {
    const flaky = withLedgerFaults(ledger, { balance: 1 })
    await expect(flaky.balance('u')).rejects.toBeInstanceOf(LedgerUnavailableError)
    expect(await flaky.balance('u')).toEqual({ credits: 100, held: 0 })
    expect(flaky.calls.balance).toBe(2)
  })
})
