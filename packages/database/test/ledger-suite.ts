import {
  HoldNotActiveError,
  HoldNotFoundError,
  IdempotencyConflictError,
  InsufficientCreditsError,
  InvalidArgumentError,
  UserNotFoundError,
} from '@10xstudent/domain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLedger, type Database, eq, type PgCreditLedger, schema, sql } from '../src/index'
import { countQueries, expectInvariants, uid } from './helpers'

/**
 * The functional ledger suite, run once on embedded PGlite and once on real PostgreSQL (see
 * ledger.pglite.test.ts and ledger.pg.test.ts). Each test uses fresh user ids; invariants are checked over
 * the whole database after each test.
 */
/** The messages of an error and its causes (drizzle wraps driver errors in DrizzleQueryError). */
function messages(err: unknown): string {
  const parts: string[] = []
  for (let e = err; e instanceof Error; e = e.cause) parts.push(e.message)
  return parts.join(' <- ')
}

export function ledgerSuite(setup: () => Promise<{ db: Database; cleanup(): Promise<void> }>) {
  let db: Database
  let cleanup: () => Promise<void>
  let ledger: PgCreditLedger

  beforeAll(async () => {
    ;({ db, cleanup } = await setup())
    ledger = createLedger(db)
  })
  afterAll(async () => {
    if (db) await expectInvariants(db)
    await cleanup?.()
  })

  async function fundedUser(credits: number): Promise<string> {
    const userId = uid()
    await ledger.ensureUser({ userId, initialCredits: credits })
    return userId
  }

  describe('ensureUser', () => {
    it('creates once with an initial grant entry, later calls report the existing balance', async () => {
      const userId = uid()
      expect(await ledger.ensureUser({ userId, initialCredits: 25 })).toEqual({
        userId,
        credits: 25,
        created: true,
      })
      expect(await ledger.ensureUser({ userId, initialCredits: 99 })).toEqual({
        userId,
        credits: 25,
        created: false,
      })
      const { items } = await ledger.history(userId)
      expect(items.map((e) => [e.kind, e.delta, e.balanceAfter])).toEqual([['grant', 25, 25]])
    })

    it('creates exactly once under concurrency', async () => {
      const userId = uid()
      const results = await Promise.all(
        Array.from({ length: 12 }, () => ledger.ensureUser({ userId, initialCredits: 10 })),
      )
      expect(results.filter((r) => r.created)).toHaveLength(1)
      expect(await ledger.balance(userId)).toEqual({ credits: 10, held: 0 })
    })

    it('writes no entry for zero initial credits', async () => {
      const userId = uid()
      await ledger.ensureUser({ userId })
      expect((await ledger.history(userId)).items).toEqual([])
    })
  })

  describe('grant', () => {
    it('adds credits, replays the same key and rejects the key with other parameters', async () => {
      const userId = await fundedUser(0)
      const first = await ledger.grant({ userId, amount: 40, idempotencyKey: 'g1', reason: 'promo' })
      expect(first).toMatchObject({ balance: 40, replayed: false })
      expect(await ledger.grant({ userId, amount: 40, idempotencyKey: 'g1' })).toEqual({
        ...first,
        replayed: true,
      })
      await expect(ledger.grant({ userId, amount: 41, idempotencyKey: 'g1' })).rejects.toBeInstanceOf(
        IdempotencyConflictError,
      )
      const [entry] = (await ledger.history(userId, { limit: 1 })).items
      expect(entry).toMatchObject({ kind: 'grant', delta: 40, cost: 0, metadata: { reason: 'promo' } })
    })

    it('scopes keys per user', async () => {
      const a = await fundedUser(0)
      const b = await fundedUser(0)
      await ledger.grant({ userId: a, amount: 5, idempotencyKey: 'same' })
      expect(await ledger.grant({ userId: b, amount: 7, idempotencyKey: 'same' })).toMatchObject({
        balance: 7,
        replayed: false,
      })
    })

    it('rejects an unknown user', async () => {
      await expect(
        ledger.grant({ userId: uid('ghost'), amount: 1, idempotencyKey: 'g' }),
      ).rejects.toBeInstanceOf(UserNotFoundError)
    })
  })

  describe('charge', () => {
    it('debits, records the audit facts (I7) and replays', async () => {
      const userId = await fundedUser(50)
      const usage = { uncachedInput: 100, cachedInput: 20, cacheWrite: 5, output: 40, reasoning: 10 }
      const input = {
        userId,
        amount: 12,
        operation: 'web_search',
        idempotencyKey: 'c1',
        model: 'gemini-2.5-flash',
        usage,
        finishReason: 'stop' as const,
        priceVersion: '2025-01',
        costMicros: 11_500_001,
        estimated: true,
        runId: 'run-1',
        metadata: { tool: 'search' },
      }
      const first = await ledger.charge(input)
      expect(first).toMatchObject({ balance: 38, charged: 12, shortfall: 0, replayed: false })
      expect(await ledger.charge(input)).toEqual({ ...first, replayed: true })
      const [entry] = (await ledger.history(userId, { limit: 1 })).items
      expect(entry).toMatchObject({
        kind: 'charge',
        operation: 'web_search',
        delta: -12,
        cost: 12,
        balanceAfter: 38,
        model: 'gemini-2.5-flash',
        pools: usage,
        tokensUsed: 175,
        finishReason: 'stop',
        priceVersion: '2025-01',
        costMicros: 11_500_001,
        estimated: true,
        runId: 'run-1',
        idempotencyKey: 'c1',
        metadata: { tool: 'search' },
      })
    })

    it('refuses to overdraw with required and balance', async () => {
      const userId = await fundedUser(5)
      const err = await ledger
        .charge({ userId, amount: 6, operation: 'pdf_export', idempotencyKey: 'c' })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(InsufficientCreditsError)
      expect(err).toMatchObject({ required: 6, balance: 5, code: 'insufficient_credits' })
      expect(await ledger.balance(userId)).toEqual({ credits: 5, held: 0 })
      // No effect happened, so the same key may be used again once the balance allows it.
      await ledger.grant({ userId, amount: 1, idempotencyKey: 'top-up' })
      expect(
        await ledger.charge({ userId, amount: 6, operation: 'pdf_export', idempotencyKey: 'c' }),
      ).toMatchObject({
        balance: 0,
        replayed: false,
      })
    })

    it('with allowPartial takes what is there and records the shortfall', async () => {
      const userId = await fundedUser(3)
      const result = await ledger.charge({
        userId,
        amount: 10,
        operation: 'tool',
        idempotencyKey: 'p',
        allowPartial: true,
      })
      expect(result).toMatchObject({ balance: 0, charged: 3, shortfall: 7 })
      const [entry] = (await ledger.history(userId, { limit: 1 })).items
      expect(entry).toMatchObject({ delta: -3, cost: 3, shortfall: 7 })
    })

    it('rejects a key used with another operation or amount, and an unknown user', async () => {
      const userId = await fundedUser(30)
      await ledger.charge({ userId, amount: 2, operation: 'a', idempotencyKey: 'k' })
      await expect(
        ledger.charge({ userId, amount: 2, operation: 'b', idempotencyKey: 'k' }),
      ).rejects.toBeInstanceOf(IdempotencyConflictError)
      await expect(
        ledger.charge({ userId, amount: 3, operation: 'a', idempotencyKey: 'k' }),
      ).rejects.toBeInstanceOf(IdempotencyConflictError)
      await expect(ledger.grant({ userId, amount: 2, idempotencyKey: 'k' })).rejects.toBeInstanceOf(
        IdempotencyConflictError,
      )
      await expect(
        ledger.charge({ userId: uid('ghost'), amount: 1, operation: 'a', idempotencyKey: 'k' }),
      ).rejects.toBeInstanceOf(UserNotFoundError)
    })
  })

  describe('reserve, settle, release', () => {
    it('reserve moves credits into a hold that expires by the database clock', async () => {
      const userId = await fundedUser(100)
      const [{ now }] = (await db.execute<{ now: string }>(sql`select now()::text as now`)).rows as [
        { now: string },
      ]
      const hold = await ledger.reserve({
        userId,
        amount: 30,
        idempotencyKey: 'r1',
        runId: 'run',
        ttlMs: 60_000,
      })
      expect(hold).toMatchObject({ userId, amount: 30, status: 'active', runId: 'run', replayed: false })
      const ttl = hold.expiresAt.getTime() - hold.createdAt.getTime()
      expect(ttl).toBe(60_000)
      expect(Math.abs(hold.createdAt.getTime() - new Date(now).getTime())).toBeLessThan(60_000)
      expect(await ledger.balance(userId)).toEqual({ credits: 70, held: 30 })
      expect(await ledger.activeHolds(userId)).toEqual([{ ...hold, replayed: false }])
      expect(await ledger.reserve({ userId, amount: 30, idempotencyKey: 'r1' })).toEqual({
        ...hold,
        replayed: true,
      })
      await expect(ledger.reserve({ userId, amount: 31, idempotencyKey: 'r1' })).rejects.toBeInstanceOf(
        IdempotencyConflictError,
      )
      await expect(ledger.reserve({ userId, amount: 71, idempotencyKey: 'r2' })).rejects.toMatchObject({
        required: 71,
        balance: 70,
      })
    })

    it.each([
      { hold: 20, actual: 7, balance: 50, charged: 7, released: 13, shortfall: 0, after: 63, delta: 13 },
      { hold: 20, actual: 20, balance: 50, charged: 20, released: 0, shortfall: 0, after: 50, delta: 0 },
      { hold: 20, actual: 0, balance: 50, charged: 0, released: 20, shortfall: 0, after: 70, delta: 20 },
      { hold: 20, actual: 35, balance: 50, charged: 35, released: 0, shortfall: 0, after: 35, delta: -15 },
      { hold: 20, actual: 90, balance: 50, charged: 70, released: 0, shortfall: 20, after: 0, delta: -50 },
    ])('settle $actual on a hold of $hold with $balance available', async (c) => {
      const userId = await fundedUser(c.hold + c.balance)
      const hold = await ledger.reserve({ userId, amount: c.hold, idempotencyKey: 'r' })
      const result = await ledger.settle(hold.id, { amount: c.actual, model: 'm', finishReason: 'stop' })
      expect(result).toMatchObject({
        holdId: hold.id,
        charged: c.charged,
        released: c.released,
        shortfall: c.shortfall,
        balance: c.after,
        held: 0,
        replayed: false,
      })
      const [entry] = (await ledger.history(userId, { limit: 1 })).items
      expect(entry).toMatchObject({ kind: 'settle', delta: c.delta, cost: c.charged, shortfall: c.shortfall })
      expect(await ledger.balance(userId)).toEqual({ credits: c.after, held: 0 })
    })

    it('settles once: a retry replays, another key or a release gets HoldNotActiveError', async () => {
      const userId = await fundedUser(100)
      const hold = await ledger.reserve({ userId, amount: 40, idempotencyKey: 'r' })
      const first = await ledger.settle(hold.id, { amount: 10 })
      expect(await ledger.settle(hold.id, { amount: 10 })).toEqual({ ...first, replayed: true })
      await expect(ledger.settle(hold.id, { amount: 11 })).rejects.toBeInstanceOf(IdempotencyConflictError)
      const other = await ledger
        .settle(hold.id, { amount: 10, idempotencyKey: 'other' })
        .catch((e: unknown) => e)
      expect(other).toBeInstanceOf(HoldNotActiveError)
      expect(other).toMatchObject({ holdId: hold.id, status: 'settled' })
      await expect(ledger.release(hold.id)).rejects.toBeInstanceOf(HoldNotActiveError)
    })

    it('release returns the whole hold once', async () => {
      const userId = await fundedUser(10)
      const hold = await ledger.reserve({ userId, amount: 10, idempotencyKey: 'r' })
      const first = await ledger.release(hold.id, { reason: 'client aborted before start' })
      expect(first).toMatchObject({ holdId: hold.id, released: 10, balance: 10, replayed: false })
      expect(await ledger.release(hold.id)).toEqual({ ...first, replayed: true })
      await expect(ledger.settle(hold.id, { amount: 1 })).rejects.toMatchObject({ status: 'released' })
      const [entry] = (await ledger.history(userId, { limit: 1 })).items
      expect(entry).toMatchObject({
        kind: 'release',
        delta: 10,
        metadata: { reason: 'client aborted before start' },
      })
    })

    it('unknown and malformed hold ids are HoldNotFoundError', async () => {
      await expect(
        ledger.settle('00000000-0000-4000-8000-000000000000', { amount: 1 }),
      ).rejects.toBeInstanceOf(HoldNotFoundError)
      await expect(ledger.release('not-a-uuid')).rejects.toBeInstanceOf(HoldNotFoundError)
    })
  })

  describe('sweepExpired', () => {
    it('expires holds past expires_at by the database clock, exactly once', async () => {
      const userId = await fundedUser(100)
      const short = await ledger.reserve({ userId, amount: 15, idempotencyKey: 's', ttlMs: 1 })
      const long = await ledger.reserve({ userId, amount: 5, idempotencyKey: 'l', ttlMs: 600_000 })
      await new Promise((r) => setTimeout(r, 5))
      const swept = await ledger.sweepExpired()
      expect(swept.expired).toContainEqual({ holdId: short.id, userId, amount: 15 })
      expect(swept.expired.map((e) => e.holdId)).not.toContain(long.id)
      expect((await ledger.sweepExpired()).expired.map((e) => e.holdId)).not.toContain(short.id)
      expect(await ledger.balance(userId)).toEqual({ credits: 95, held: 5 })
      await expect(ledger.settle(short.id, { amount: 3 })).rejects.toMatchObject({
        code: 'hold_not_active',
        status: 'expired',
      })
      const [entry] = (await ledger.history(userId, { limit: 1 })).items
      expect(entry).toMatchObject({ kind: 'expire', delta: 15, holdId: short.id })
    })

    it('honours the limit', async () => {
      const userId = await fundedUser(10)
      for (let i = 0; i < 3; i++)
        await ledger.reserve({ userId, amount: 1, idempotencyKey: `h${i}`, ttlMs: 1 })
      await new Promise((r) => setTimeout(r, 5))
      expect((await ledger.sweepExpired({ limit: 1 })).expired).toHaveLength(1)
      await ledger.sweepExpired()
      expect(await ledger.balance(userId)).toEqual({ credits: 10, held: 0 })
    })
  })

  describe('reads', () => {
    it('balance of an unknown user is UserNotFoundError', async () => {
      await expect(ledger.balance(uid('ghost'))).rejects.toBeInstanceOf(UserNotFoundError)
    })

    it('history pages newest first without gaps or repeats', async () => {
      const userId = await fundedUser(100)
      for (let i = 0; i < 7; i++)
        await ledger.charge({ userId, amount: 1, operation: 'op', idempotencyKey: `h${i}` })
      const all = (await ledger.history(userId, { limit: 200 })).items
      expect(all).toHaveLength(8)
      const seen: string[] = []
      let cursor: string | undefined
      do {
        const page = await ledger.history(userId, { limit: 3, ...(cursor ? { cursor } : {}) })
        seen.push(...page.items.map((e) => e.id))
        cursor = page.nextCursor ?? undefined
      } while (cursor)
      expect(seen).toEqual(all.map((e) => e.id))
      expect(all.map((e) => e.balanceAfter)).toEqual([93, 94, 95, 96, 97, 98, 99, 100])
    })

    it.each([
      ['garbage', 'not base64 json'],
      ['wrong shape', Buffer.from('{"a":1}').toString('base64url')],
      ['bad seq', Buffer.from('["2024-01-01T00:00:00.000000Z","x"]').toString('base64url')],
      ['bad timestamp', Buffer.from('["yesterday",5]').toString('base64url')],
      ['empty', ''],
    ])('a bad cursor (%s) is InvalidArgumentError', async (_label, cursor) => {
      await expect(ledger.history(uid(), { cursor })).rejects.toBeInstanceOf(InvalidArgumentError)
    })

    it('summary totals charges and settles per UTC day, zero-filled', async () => {
      const userId = await fundedUser(100)
      await ledger.charge({ userId, amount: 4, operation: 'op', idempotencyKey: 'a', tokensUsed: 1000 })
      const hold = await ledger.reserve({ userId, amount: 10, idempotencyKey: 'r' })
      await ledger.settle(hold.id, {
        amount: 6,
        usage: { uncachedInput: 50, cachedInput: 0, cacheWrite: 0, output: 25, reasoning: 0 },
      })
      const days = await ledger.summary(userId, { days: 3 })
      expect(days).toHaveLength(3)
      const today = new Date().toISOString().slice(0, 10)
      expect(days.map((d) => d.day)).toEqual([
        new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10),
        new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
        today,
      ])
      expect(days[2]).toEqual({ day: today, credits: 10, tokens: 1075, requests: 2 })
      expect(days[0]).toMatchObject({ credits: 0, tokens: 0, requests: 0 })
    })
  })

  describe('input validation before any SQL (I5)', () => {
    const HOLD = '00000000-0000-4000-8000-000000000001'
    const badAmounts: Array<[string, unknown]> = [
      ['zero', 0],
      ['negative', -1],
      ['fraction', 1.5],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
      ['unsafe integer', 2 ** 53],
      ['huge bigint', 2n ** 60n],
      ['numeric string', '5'],
      ['null', null],
      ['undefined', undefined],
      ['boolean', true],
      ['object', {}],
    ]
    const badIds: Array<[string, unknown]> = [
      ['empty', ''],
      ['too long', 'x'.repeat(256)],
      ['control character', 'a\u0000b'],
      ['newline', 'a\nb'],
      ['number', 42],
      ['null', null],
      ['object', {}],
    ]
    type Case = [string, string, (l: PgCreditLedger) => Promise<unknown>]
    const cases: Case[] = [
      ...badAmounts.flatMap(([label, amount]): Case[] => [
        [
          `grant amount ${label}`,
          'invalid_amount',
          (l) => l.grant({ userId: 'u', amount: amount as number, idempotencyKey: 'k' }),
        ],
        [
          `charge amount ${label}`,
          'invalid_amount',
          (l) => l.charge({ userId: 'u', amount: amount as number, idempotencyKey: 'k', operation: 'o' }),
        ],
        [
          `reserve amount ${label}`,
          'invalid_amount',
          (l) => l.reserve({ userId: 'u', amount: amount as number, idempotencyKey: 'k' }),
        ],
      ]),
      // settle accepts 0 (nothing used), nothing else that is not a whole credit count
      ...badAmounts
        .filter(([label]) => label !== 'zero')
        .map(
          ([label, amount]): Case => [
            `settle amount ${label}`,
            'invalid_amount',
            (l) => l.settle(HOLD, { amount: amount as number }),
          ],
        ),
      [
        `ensureUser initialCredits negative`,
        'invalid_amount',
        (l) => l.ensureUser({ userId: 'u', initialCredits: -5 }),
      ],
      [
        `ensureUser initialCredits fraction`,
        'invalid_amount',
        (l) => l.ensureUser({ userId: 'u', initialCredits: 0.5 }),
      ],
      ...badIds.flatMap(([label, id]): Case[] => [
        [
          `charge userId ${label}`,
          'invalid_argument',
          (l) => l.charge({ userId: id as string, amount: 1, idempotencyKey: 'k', operation: 'o' }),
        ],
        [
          `charge key ${label}`,
          'invalid_argument',
          (l) => l.charge({ userId: 'u', amount: 1, idempotencyKey: id as string, operation: 'o' }),
        ],
        [
          `charge operation ${label}`,
          'invalid_argument',
          (l) => l.charge({ userId: 'u', amount: 1, idempotencyKey: 'k', operation: id as string }),
        ],
        [
          `reserve userId ${label}`,
          'invalid_argument',
          (l) => l.reserve({ userId: id as string, amount: 1, idempotencyKey: 'k' }),
        ],
        [
          `grant key ${label}`,
          'invalid_argument',
          (l) => l.grant({ userId: 'u', amount: 1, idempotencyKey: id as string }),
        ],
        [`balance userId ${label}`, 'invalid_argument', (l) => l.balance(id as string)],
        [`history userId ${label}`, 'invalid_argument', (l) => l.history(id as string)],
        [`ensureUser userId ${label}`, 'invalid_argument', (l) => l.ensureUser({ userId: id as string })],
        [`settle holdId ${label}`, 'invalid_argument', (l) => l.settle(id as string, { amount: 1 })],
      ]),
      ['settle holdId not a uuid', 'hold_not_found', (l) => l.settle('hold_123', { amount: 1 })],
      ['release holdId not a uuid', 'hold_not_found', (l) => l.release("1' or '1'='1")],
      [
        'reserve ttlMs 0',
        'invalid_argument',
        (l) => l.reserve({ userId: 'u', amount: 1, idempotencyKey: 'k', ttlMs: 0 }),
      ],
      [
        'reserve ttlMs fraction',
        'invalid_argument',
        (l) => l.reserve({ userId: 'u', amount: 1, idempotencyKey: 'k', ttlMs: 1.5 }),
      ],
      [
        'charge usage pool negative',
        'invalid_argument',
        (l) =>
          l.charge({
            userId: 'u',
            amount: 1,
            idempotencyKey: 'k',
            operation: 'o',
            usage: { uncachedInput: -1, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0 },
          }),
      ],
      [
        'charge usage pool fraction',
        'invalid_argument',
        (l) =>
          l.charge({
            userId: 'u',
            amount: 1,
            idempotencyKey: 'k',
            operation: 'o',
            usage: { uncachedInput: 1, cachedInput: 0, cacheWrite: 0, output: 0.5, reasoning: 0 },
          }),
      ],
      [
        'charge tokensUsed NaN',
        'invalid_argument',
        (l) =>
          l.charge({ userId: 'u', amount: 1, idempotencyKey: 'k', operation: 'o', tokensUsed: Number.NaN }),
      ],
      [
        'settle costMicros negative',
        'invalid_argument',
        (l) => l.settle(HOLD, { amount: 1, costMicros: -1 }),
      ],
      [
        'settle finishReason unknown',
        'invalid_argument',
        (l) => l.settle(HOLD, { amount: 1, finishReason: 'exploded' as never }),
      ],
      [
        'settle estimated not boolean',
        'invalid_argument',
        (l) => l.settle(HOLD, { amount: 1, estimated: 'yes' as never }),
      ],
      [
        'charge metadata array',
        'invalid_argument',
        (l) =>
          l.charge({ userId: 'u', amount: 1, idempotencyKey: 'k', operation: 'o', metadata: [] as never }),
      ],
      ['history limit 0', 'invalid_argument', (l) => l.history('u', { limit: 0 })],
      ['history limit 201', 'invalid_argument', (l) => l.history('u', { limit: 201 })],
      ['summary days 0', 'invalid_argument', (l) => l.summary('u', { days: 0 })],
      ['sweep limit -1', 'invalid_argument', (l) => l.sweepExpired({ limit: -1 })],
    ]

    it.each(cases)('%s is rejected with %s and no SQL', async (_label, code, call) => {
      let error: unknown
      const queries = await countQueries(db, async () => {
        error = await call(ledger).then(
          () => undefined,
          (e: unknown) => e,
        )
      })
      expect(error).toMatchObject({ code })
      expect(queries).toBe(0)
    })

    it('the query counter does count a valid call (control)', async () => {
      const queries = await countQueries(db, async () => {
        await ledger.ensureUser({ userId: uid() })
      })
      expect(queries).toBeGreaterThan(0)
    })
  })

  describe('storage rules', () => {
    it('the documented snippet is a valid debit (compatibility surface)', async () => {
      const userId = await fundedUser(10)
      const cost = 3
      const totalTokens = 2400
      const user = await db.query.users.findFirst({ where: eq(schema.users.id, userId) })
      expect(user && user.credits >= 1).toBe(true)
      await db.transaction(async (tx) => {
        await tx
          .update(schema.users)
          .set({ credits: sql`credits - ${cost}` })
          .where(eq(schema.users.id, userId))
        await tx
          .insert(schema.creditLogs)
          .values({ userId, operation: 'typst_generation', cost, tokensUsed: totalTokens })
      })
      const [entry] = (await ledger.history(userId, { limit: 1 })).items
      expect(entry).toMatchObject({ kind: 'charge', delta: -3, cost: 3, balanceAfter: 7, tokensUsed: 2400 })
      expect(await ledger.balance(userId)).toEqual({ credits: 7, held: 0 })
    })

    it('hold and entry ids are time-ordered UUIDv7 stamped with the database clock', async () => {
      const userId = await fundedUser(100)
      const first = await ledger.reserve({ userId, amount: 5, idempotencyKey: 'v7a' })
      const settled = await ledger.settle(first.id, { amount: 1 })
      const second = await ledger.reserve({ userId, amount: 5, idempotencyKey: 'v7b' })
      const { rows } = await db.execute<{ ms: string | number }>(
        sql`select (extract(epoch from clock_timestamp()) * 1000)::bigint as ms`,
      )
      const now = Number(rows[0]!.ms)
      const entries = (await ledger.history(userId, { limit: 10 })).items.map((e) => e.id)
      const ids = [first.id, settled.entryId, second.id, ...entries]
      // 48-bit Unix milliseconds, then the version nibble 7, then random bits with the RFC 9562 variant.
      const stamp = (id: string) => Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)
      for (const id of ids) {
        expect(id, id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
        expect(now - stamp(id), id).toBeGreaterThanOrEqual(0)
        expect(now - stamp(id), id).toBeLessThan(60_000)
      }
      expect(stamp(first.id)).toBeLessThanOrEqual(stamp(settled.entryId))
      expect(stamp(settled.entryId)).toBeLessThanOrEqual(stamp(second.id))
      expect(entries).toContain(settled.entryId)
    })

    it('settle reports the user’s other active holds as held', async () => {
      const userId = await fundedUser(100)
      const a = await ledger.reserve({ userId, amount: 10, idempotencyKey: 'ha' })
      await ledger.reserve({ userId, amount: 15, idempotencyKey: 'hb' })
      expect(await ledger.settle(a.id, { amount: 4 })).toMatchObject({ held: 15, balance: 81 })
      expect(await ledger.balance(userId)).toEqual({ credits: 81, held: 15 })
    })

    it('the database itself allows one resolution entry per hold (I3)', async () => {
      const userId = await fundedUser(50)
      const hold = await ledger.reserve({ userId, amount: 20, idempotencyKey: 'r' })
      await ledger.settle(hold.id, { amount: 5 })
      // A second resolution written around the ledger functions (which could not write it: the hold is no
      // longer active) is refused by the unique index, not only by the status guard.
      const err = await db
        .insert(schema.creditLogs)
        .values({
          userId,
          kind: 'release',
          operation: 'chat',
          delta: 0,
          cost: 0,
          balanceAfter: 45,
          holdId: hold.id,
          idempotencyKey: 'sneaky-release',
        })
        .catch((e: unknown) => e)
      expect(messages(err)).toMatch(/credit_logs_hold_resolution_unique/)
      expect(await ledger.balance(userId)).toEqual({ credits: 45, held: 0 })
    })

    it('the ledger is append-only (I6)', async () => {
      const userId = await fundedUser(10)
      const update = await db
        .update(schema.creditLogs)
        .set({ cost: 0 })
        .where(eq(schema.creditLogs.userId, userId))
        .catch((e: unknown) => e)
      expect(messages(update)).toMatch(/append-only: UPDATE/)
      const del = await db
        .delete(schema.creditLogs)
        .where(eq(schema.creditLogs.userId, userId))
        .catch((e: unknown) => e)
      expect(messages(del)).toMatch(/append-only: DELETE/)
      expect((await ledger.history(userId)).items).toHaveLength(1)
    })

    it('the database refuses a negative balance even outside the ledger (I1)', async () => {
      const userId = await fundedUser(1)
      const err = await db
        .update(schema.users)
        .set({ credits: sql`credits - 2` })
        .where(eq(schema.users.id, userId))
        .catch((e: unknown) => e)
      expect(messages(err)).toMatch(/users_credits_non_negative/)
      expect(await ledger.balance(userId)).toEqual({ credits: 1, held: 0 })
    })
  })
}
