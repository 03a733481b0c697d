import { isCreditError } from '@10xstudent/domain'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, createLedger, type Database, type PgCreditLedger, sql } from '../src/index'
import { snapshot } from './helpers'

/**
 * Model-based property test: random sequences of ledger commands (with retries that reuse idempotency keys)
 * run against the real ledger on embedded PGlite and against a small in-memory model; results and the
 * invariants (I1 non-negative, I2 balance = sum of deltas, held = sum of active holds, I3 one resolution per
 * hold, I4 one effect per key) are compared after every step. The database is reset with TRUNCATE per run.
 */

const USERS = ['alice', 'bob', 'carol'] as const
const RUNS = 200
const STEPS = 50

type Cmd =
  | { t: 'ensure'; user: number; initial: number }
  | { t: 'grant'; user: number; amount: number; key: number }
  | { t: 'charge'; user: number; amount: number; key: number; partial: boolean }
  | { t: 'reserve'; user: number; amount: number; key: number; short: boolean }
  | { t: 'settle'; hold: number; amount: number; key: number | null }
  | { t: 'release'; hold: number; key: number | null }
  | { t: 'sweep' }
  | { t: 'retry'; back: number }

const user = fc.integer({ min: 0, max: USERS.length - 1 })
const key = fc.integer({ min: 0, max: 5 })
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('ensure' as const),
      user,
      initial: fc.integer({ min: 0, max: 60 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('grant' as const),
      user,
      amount: fc.integer({ min: 1, max: 40 }),
      key,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('charge' as const),
      user,
      amount: fc.integer({ min: 1, max: 30 }),
      key,
      partial: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('reserve' as const),
      user,
      amount: fc.integer({ min: 1, max: 30 }),
      key,
      short: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('settle' as const),
      hold: fc.nat(),
      amount: fc.integer({ min: 0, max: 45 }),
      key: fc.option(key, { nil: null }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('release' as const),
      hold: fc.nat(),
      key: fc.option(key, { nil: null }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('sweep' as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('retry' as const), back: fc.nat() }) },
)

interface ModelHold {
  id: string
  user: string
  amount: number
  status: 'active' | 'settled' | 'released' | 'expired'
  short: boolean
}

/** The reference model: plain maps, obviously correct. */
class Model {
  users = new Map<string, number>()
  holds: ModelHold[] = []
  /** (user, key) -> signature of the first request and its result. */
  keys = new Map<string, { sig: string; result: unknown }>()

  held(u: string) {
    return this.holds.filter((h) => h.user === u && h.status === 'active').reduce((s, h) => s + h.amount, 0)
  }
}

type Outcome = { ok: unknown } | { err: string; fields?: Record<string, unknown> }

function normalise(err: unknown): Outcome {
  if (!isCreditError(err)) throw err
  const e = err as unknown as Record<string, unknown>
  const fields =
    err.code === 'insufficient_credits' ? { required: e.required, balance: e.balance } : undefined
  return fields ? { err: err.code, fields } : { err: err.code }
}

async function attempt(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: await run() }
  } catch (err) {
    return normalise(err)
  }
}

describe('ledger model-based property (PGlite)', () => {
  let db: Database
  let ledger: PgCreditLedger

  beforeAll(async () => {
    db = createDb({ pglite: 'memory' })
    const { migrate } = await import('../src/index')
    await migrate(db)
    ledger = createLedger(db)
  })
  afterAll(async () => {
    await db?.close()
  })

  it(`${RUNS} runs of ${STEPS} random commands keep the ledger equal to the model`, async () => {
    const started = performance.now()
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: STEPS, maxLength: STEPS }), async (cmds) => {
        await db.execute(sql`truncate credit_logs, credit_holds, api_keys, users`)
        const model = new Model()
        const done: Cmd[] = []
        for (const raw of cmds) {
          const cmd = raw.t === 'retry' ? done[raw.back % Math.max(done.length, 1)] : raw
          if (!cmd || cmd.t === 'retry') continue
          await step(model, cmd)
          done.push(cmd)
          await checkInvariants(model)
        }
      }),
      { numRuns: RUNS },
    )
    const seconds = (performance.now() - started) / 1000
    console.info(`[property] ${RUNS} runs x ${STEPS} commands in ${seconds.toFixed(1)} s`)
  }, 180_000)

  /** Execute one command on both sides and compare the outcomes. */
  async function step(model: Model, cmd: Exclude<Cmd, { t: 'retry' }>) {
    const expected = expect
    switch (cmd.t) {
      case 'ensure': {
        const u = USERS[cmd.user]!
        const got = await ledger.ensureUser({ userId: u, initialCredits: cmd.initial })
        const exists = model.users.has(u)
        if (!exists) model.users.set(u, cmd.initial)
        expected(got).toEqual({ userId: u, credits: model.users.get(u), created: !exists })
        return
      }
      case 'grant': {
        const u = USERS[cmd.user]!
        const k = `k${cmd.key}`
        const got = await attempt(() => ledger.grant({ userId: u, amount: cmd.amount, idempotencyKey: k }))
        expected(strip(got)).toEqual(
          keyed(model, u, k, `grant|grant|${cmd.amount}`, () => {
            const credits = model.users.get(u)
            if (credits === undefined) return { err: 'user_not_found' }
            model.users.set(u, credits + cmd.amount)
            return { ok: { balance: credits + cmd.amount } }
          }),
        )
        return
      }
      case 'charge': {
        const u = USERS[cmd.user]!
        const k = `k${cmd.key}`
        const got = await attempt(() =>
          ledger.charge({
            userId: u,
            amount: cmd.amount,
            idempotencyKey: k,
            operation: 'tool',
            allowPartial: cmd.partial,
          }),
        )
        expected(strip(got)).toEqual(
          keyed(model, u, k, `charge|tool|${cmd.amount}`, () => {
            const credits = model.users.get(u)
            if (credits === undefined) return { err: 'user_not_found' }
            if (!cmd.partial && credits < cmd.amount)
              return { err: 'insufficient_credits', fields: { required: cmd.amount, balance: credits } }
            const take = Math.min(credits, cmd.amount)
            model.users.set(u, credits - take)
            return { ok: { balance: credits - take, charged: take, shortfall: cmd.amount - take } }
          }),
        )
        return
      }
      case 'reserve': {
        const u = USERS[cmd.user]!
        const k = `k${cmd.key}`
        const got = await attempt(() =>
          ledger.reserve({
            userId: u,
            amount: cmd.amount,
            idempotencyKey: k,
            ttlMs: cmd.short ? 1 : 600_000,
          }),
        )
        const want = keyed(model, u, k, `hold|chat|${cmd.amount}`, () => {
          const credits = model.users.get(u)
          if (credits === undefined) return { err: 'user_not_found' }
          if (credits < cmd.amount)
            return { err: 'insufficient_credits', fields: { required: cmd.amount, balance: credits } }
          if (!('ok' in got)) return { ok: 'reserve should have succeeded' }
          model.users.set(u, credits - cmd.amount)
          const id = (got.ok as { id: string }).id
          model.holds.push({ id, user: u, amount: cmd.amount, status: 'active', short: cmd.short })
          return { ok: { id, amount: cmd.amount } }
        })
        expected(strip(got)).toEqual(want)
        return
      }
      case 'settle':
      case 'release': {
        if (model.holds.length === 0) return
        const hold = model.holds[cmd.hold % model.holds.length]!
        const k = cmd.key === null ? `${cmd.t}:${hold.id}` : `k${cmd.key}`
        const amount = cmd.t === 'settle' ? cmd.amount : 0
        const got = await attempt(() =>
          cmd.t === 'settle'
            ? ledger.settle(hold.id, { amount, ...(cmd.key === null ? {} : { idempotencyKey: k }) })
            : ledger.release(hold.id, cmd.key === null ? {} : { idempotencyKey: k }),
        )
        const sig = cmd.t === 'settle' ? `settle|${hold.id}|${amount}` : `release|${hold.id}`
        const want = keyed(model, hold.user, k, sig, () => {
          if (hold.status !== 'active') return { err: 'hold_not_active' }
          const credits = model.users.get(hold.user)!
          if (cmd.t === 'release') {
            hold.status = 'released'
            model.users.set(hold.user, credits + hold.amount)
            return { ok: { released: hold.amount, balance: credits + hold.amount } }
          }
          hold.status = 'settled'
          if (amount <= hold.amount) {
            model.users.set(hold.user, credits + hold.amount - amount)
            return {
              ok: {
                charged: amount,
                released: hold.amount - amount,
                shortfall: 0,
                balance: credits + hold.amount - amount,
              },
            }
          }
          const take = Math.min(amount - hold.amount, credits)
          model.users.set(hold.user, credits - take)
          return {
            ok: {
              charged: hold.amount + take,
              released: 0,
              shortfall: amount - hold.amount - take,
              balance: credits - take,
            },
          }
        })
        expected(strip(got)).toEqual(want)
        if ('ok' in got && cmd.t === 'settle')
          expected((got.ok as { held: number }).held).toBe(model.held(hold.user))
        return
      }
      case 'sweep': {
        const { expired } = await ledger.sweepExpired()
        for (const e of expired) {
          const hold = model.holds.find((h) => h.id === e.holdId)
          // Only active short-lived holds may expire; each exactly once.
          expected(hold).toMatchObject({ status: 'active', short: true, amount: e.amount, user: e.userId })
          hold!.status = 'expired'
          model.users.set(hold!.user, model.users.get(hold!.user)! + hold!.amount)
        }
        return
      }
    }
  }

  /** I4 in the model: a known key replays the first result when the request matches, else conflicts. */
  function keyed(model: Model, u: string, k: string, sig: string, apply: () => Outcome): Outcome {
    const id = `${u}\u0000${k}`
    const seen = model.keys.get(id)
    if (seen)
      return seen.sig === sig
        ? { ok: { ...(seen.result as object), replayed: true } }
        : { err: 'idempotency_conflict' }
    const outcome = apply()
    if ('ok' in outcome) {
      const result = { ...(outcome.ok as object), replayed: false }
      model.keys.set(id, { sig, result: outcome.ok })
      return { ok: result }
    }
    return outcome
  }

  async function checkInvariants(model: Model) {
    const snap = await snapshot(db)
    expect(snap.users.map((u) => [u.id, Number(u.credits)]).sort()).toEqual([...model.users.entries()].sort())
    for (const u of snap.users) {
      expect(Number(u.credits)).toBeGreaterThanOrEqual(0)
      expect(Number(u.credits)).toBe(Number(u.sumDelta))
      expect(Number(u.held)).toBe(model.held(u.id))
    }
    expect(snap.holds.map((h) => [h.id, h.status]).sort()).toEqual(
      model.holds.map((h) => [h.id, h.status]).sort(),
    )
    for (const h of snap.holds) {
      expect(Number(h.holdRows)).toBe(1)
      expect(Number(h.resolutionRows)).toBe(h.status === 'active' ? 0 : 1)
    }
  }
})

/** Keep only the fields the model predicts. */
function strip(outcome: Outcome): Outcome {
  if (!('ok' in outcome)) return outcome
  const v = outcome.ok as Record<string, unknown>
  const pick = (...names: string[]) => Object.fromEntries(names.filter((n) => n in v).map((n) => [n, v[n]]))
  if ('holdId' in v) return { ok: pick('charged', 'released', 'shortfall', 'balance', 'replayed') }
  if ('expiresAt' in v) return { ok: pick('id', 'amount', 'replayed') }
  return { ok: pick('balance', 'charged', 'shortfall', 'replayed') }
}
