/**
 * Shared body of the two PostgreSQL outage tests (backends terminated; whole server restarted): load on the
 * real API process, the outage in the middle of it, then proof of 503s, retried settlements with the same
 * keys, recovery without a restart and a ledger with no partial entry.
 */
import { sql } from '@10xstudent/database'
import { expect } from 'vitest'
import {
  type ApiProcess,
  checkInvariants,
  eventually,
  type Json,
  postChat,
  type ReliabilityDb,
  sleep,
  type TestUser,
} from './harness'

export interface OutageResult {
  statuses: Map<string, number[]>
  errorBodies: Json[]
  retriedHolds: string[]
}

/**
 * Run ~40 staggered chats and a stream of reads; call `outage()` once the first chats are streaming, and
 * return what the clients saw. `outage` resolves when the database is reachable again.
 */
export async function outageUnderLoad(
  rdb: ReliabilityDb,
  api: ApiProcess,
  outage: () => Promise<void>,
): Promise<OutageResult> {
  const users: TestUser[] = await Promise.all(Array.from({ length: 10 }, () => rdb.user(1000)))
  const statuses = new Map<string, number[]>()
  const errorBodies: Json[] = []
  const record = async (what: string, res: Response) => {
    statuses.set(what, [...(statuses.get(what) ?? []), res.status])
    if (res.status >= 400) errorBodies.push((await res.json()) as Json)
    else await res.text()
  }
  let stop = false
  const reads = (async () => {
    while (!stop) {
      for (const path of ['/api/credits', '/api/usage', '/readyz']) {
        await fetch(`${api.url}${path}`, { headers: users[0]!.headers }).then(
          (res) => record(path, res),
          () => {},
        )
      }
      await sleep(20)
    }
  })()
  const chats = Promise.all(
    Array.from({ length: 40 }, async (_, i) => {
      await sleep(i * 40)
      const res = await postChat(api.url, users[i % users.length]!, {
        messages: [{ role: 'user', content: `load ${i}` }],
        maxTokens: 60,
      }).catch(() => undefined)
      if (res) await record('/api/chat', res).catch(() => {})
    }),
  )
  await sleep(500)
  await outage()
  await chats
  stop = true
  await reads

  const retriedHolds = [
    ...new Set(
      api
        .logs()
        .filter((l) => l.msg === 'Ledger write failed; retrying with the same idempotency key')
        .map((l) => String(l.holdId)),
    ),
  ]
  return { statuses, errorBodies, retriedHolds }
}

/** The checks common to both outages. */
export async function expectCleanRecovery(rdb: ReliabilityDb, api: ApiProcess, result: OutageResult) {
  // Requests during the outage: 503 `unavailable` with a clear message, never a 500, SQL or a URL.
  const all = [...result.statuses.values()].flat()
  expect(all.filter((s) => s === 503).length).toBeGreaterThan(0)
  expect(all.filter((s) => s >= 500 && s !== 503)).toEqual([])
  for (const body of result.errorBodies) {
    expect(['unavailable', 'insufficient_credits', 'rate_limited']).toContain(body.error.code)
    const text = JSON.stringify(body)
    expect(text).not.toMatch(/postgres(ql)?:\/\/|select |insert |update |ledger_|\bat .+\.ts:\d+/i)
  }
  // Recovery without a restart: the same process answers 200 again.
  const u = await rdb.user(100)
  await eventually(async () => ((await fetch(`${api.url}/readyz`)).status === 200 ? true : undefined), 30_000)
  const res = await postChat(api.url, u, { messages: [{ role: 'user', content: 'back?' }], maxTokens: 50 })
  expect(res.status).toBe(200)
  await res.text()

  // Every hold resolves exactly once (settled after a retry, or expired by the sweeper when every retry failed).
  await eventually(async () => {
    const r = (
      await rdb.owner.execute(sql`select count(*)::int as n from credit_holds where status = 'active'`)
    ).rows[0] as { n: number }
    return r.n === 0 ? true : undefined
  }, 30_000)
  // A retried settlement that landed used the same key as its first attempt: settle:<holdId>, one row.
  for (const holdId of result.retriedHolds) {
    const rows = (
      await rdb.owner.execute(sql`select kind, idempotency_key from credit_logs
        where hold_id = ${holdId}::uuid and kind in ('settle', 'expire')`)
    ).rows as Json[]
    expect(rows).toHaveLength(1)
    if (rows[0]!.kind === 'settle') expect(rows[0]!.idempotency_key).toBe(`settle:${holdId}`)
  }
  // No partial ledger entry: every movement has its row, every hold its hold entry and one resolution.
  await checkInvariants(rdb.owner)
}
