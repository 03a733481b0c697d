import { expect } from 'vitest'
import { type Database, sql } from '../src/index'
import { testDatabaseUrl } from '../src/testing/index'

/** TEST_DATABASE_URL (throws under CI when missing); warns once when a PostgreSQL suite is skipped. */
export function pgUrlOrWarn(suite: string): string | undefined {
  const url = testDatabaseUrl(process.env)
  if (!url) console.warn(`[${suite}] TEST_DATABASE_URL is not set: skipping the PostgreSQL suite`)
  return url
}

export interface UserState {
  id: string
  credits: number
  sumDelta: number
  held: number
}

export interface HoldState {
  id: string
  userId: string
  amount: number
  status: string
  holdRows: number
  resolutionRows: number
}

/** Everything the invariants talk about, read in one query. */
export async function snapshot(db: Database): Promise<{ users: UserState[]; holds: HoldState[] }> {
  const result = await db.execute<{ s: { users: UserState[]; holds: HoldState[] } | string }>(sql`
    select jsonb_build_object(
      'users', coalesce((select jsonb_agg(jsonb_build_object(
          'id', u.id, 'credits', u.credits,
          'sumDelta', coalesce((select sum(l.delta) from credit_logs l where l.user_id = u.id), 0),
          'held', ledger_held(u.id)) order by u.id) from users u), '[]'::jsonb),
      'holds', coalesce((select jsonb_agg(jsonb_build_object(
          'id', h.id, 'userId', h.user_id, 'amount', h.amount, 'status', h.status,
          'holdRows', (select count(*) from credit_logs l where l.hold_id = h.id and l.kind = 'hold'),
          'resolutionRows', (select count(*) from credit_logs l
                               where l.hold_id = h.id and l.kind in ('settle', 'release', 'expire')))
        order by h.created_at, h.id) from credit_holds h), '[]'::jsonb)
    ) as s`)
  const s = result.rows[0]!.s
  return typeof s === 'string' ? JSON.parse(s) : s
}

/**
 * I1 balance never negative; I2 balance = sum of deltas (users here start at 0 and are funded through the
 * ledger); held = sum of active holds (by construction of `ledger_held`, checked against the hold list);
 * I3 each hold has one 'hold' row and exactly one resolution row once resolved (none while active).
 */
export async function expectInvariants(db: Database): Promise<{ users: UserState[]; holds: HoldState[] }> {
  const snap = await snapshot(db)
  for (const u of snap.users) {
    expect(u.credits, `I1 user ${u.id}`).toBeGreaterThanOrEqual(0)
    expect(u.credits, `I2 user ${u.id}`).toBe(Number(u.sumDelta))
    const active = snap.holds.filter((h) => h.userId === u.id && h.status === 'active')
    expect(Number(u.held), `held of ${u.id}`).toBe(active.reduce((sum, h) => sum + Number(h.amount), 0))
  }
  for (const h of snap.holds) {
    expect(Number(h.holdRows), `hold row of ${h.id}`).toBe(1)
    expect(Number(h.resolutionRows), `resolutions of ${h.id}`).toBe(h.status === 'active' ? 0 : 1)
  }
  return snap
}

/** Run `tasks` with at most `limit` in flight; settle-all semantics (never rejects). */
export async function runLimited<T>(
  count: number,
  limit: number,
  task: (i: number) => Promise<T>,
): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(count)
  let next = 0
  async function worker() {
    while (next < count) {
      const i = next++
      try {
        results[i] = { status: 'fulfilled', value: await task(i) }
      } catch (reason) {
        results[i] = { status: 'rejected', reason }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker))
  return results
}

/** Count SQL statements sent through the underlying client (pg Pool or PGlite) while `run` executes. */
export async function countQueries(db: Database, run: () => Promise<void>): Promise<number> {
  const client = db.$client as unknown as Record<string, unknown>
  const names = ['query', 'exec', 'transaction', 'connect'] as const
  const originals = new Map<string, unknown>()
  let count = 0
  for (const name of names) {
    const original = client[name]
    if (typeof original !== 'function') continue
    originals.set(name, original)
    client[name] = function (this: unknown, ...args: unknown[]) {
      count++
      return (original as (...a: unknown[]) => unknown).apply(this, args)
    }
  }
  try {
    await run()
  } finally {
    for (const [name, original] of originals) client[name] = original
  }
  return count
}

let counter = 0
/** A user id unique within this process. */
export function uid(prefix = 'user'): string {
  counter++
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`
}
