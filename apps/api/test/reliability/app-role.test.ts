/**
 * The production database role (packages/database/sql/roles.sql): the API connected as a member of
 * `credits_app` can insert and read ledger rows but cannot update, delete or truncate them. Every other file
 * of this suite runs its API children under the same role, so the API works with exactly these privileges.
 */
import { createDb, type Database, sql } from '@10xstudent/database'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_KEY,
  type ApiProcess,
  createReliabilityDb,
  creditsOf,
  JSON_HEADERS,
  parseSse,
  pgUrl,
  postChat,
  type ReliabilityDb,
  startApi,
  stopAll,
} from './harness'

const code = (err: unknown): string | undefined => {
  let e: unknown = err
  for (let i = 0; i < 4 && e; i++) {
    const c = (e as { code?: unknown }).code
    if (typeof c === 'string') return c
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

describe.skipIf(!pgUrl)('least-privilege app role', () => {
  let rdb: ReliabilityDb
  let app: Database
  let api: ApiProcess

  beforeAll(async () => {
    rdb = await createReliabilityDb()
    app = createDb({ url: rdb.appUrl, poolSize: 2 })
    api = await startApi(rdb.appUrl)
  })
  afterAll(async () => {
    await stopAll()
    await app?.close()
    await rdb?.drop()
  })

  it('the API process runs under the role: it starts (migrate runs no DDL), chats, grants and revokes', async () => {
    const u = await rdb.user(50)
    const res = await postChat(api.url, u, { messages: [{ role: 'user', content: 'hello' }] })
    expect(res.status).toBe(200)
    const credits = creditsOf(parseSse(await res.text()))
    expect(credits?.charged).toBeGreaterThan(0)
    const grant = await fetch(`${api.url}/api/admin/users/${u.userId}/credits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...JSON_HEADERS },
      body: JSON.stringify({ amount: 5, reason: 'role test', idempotencyKey: 'role-grant-1' }),
    })
    expect(grant.status).toBe(200)
    const revoke = await fetch(`${api.url}/api/admin/keys/${u.keyId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    })
    expect(revoke.status).toBe(200)
    expect((await fetch(`${api.url}/api/credits`, { headers: u.headers })).status).toBe(401)
    const who = (await app.execute(sql`select current_user as u, session_user as s`)).rows[0] as { u: string }
    expect(who.u).toMatch(/^rel_app_/)
  })

  it('can INSERT and SELECT ledger rows', async () => {
    await rdb.user(10, 'role_user_insert')
    await app.execute(
      sql`insert into credit_logs (user_id, kind, operation, delta, cost, balance_after) values ('role_user_insert', 'adjust', 'role_test', 0, 0, 10)`,
    )
    const rows = (
      await app.execute(sql`select count(*)::int as n from credit_logs where user_id = 'role_user_insert'`)
    ).rows[0] as { n: number }
    expect(rows.n).toBe(2)
  })

  // 42501 insufficient_privilege: refused by the role itself, before the append-only trigger is reached.
  it.each([
    ['UPDATE credit_logs', sql`update credit_logs set cost = 0`],
    ['DELETE credit_logs', sql`delete from credit_logs`],
    ['TRUNCATE credit_logs', sql`truncate credit_logs`],
    ['DELETE credit_holds', sql`delete from credit_holds`],
    ['UPDATE credit_holds.amount', sql`update credit_holds set amount = 1`],
    ['DELETE users', sql`delete from users`],
    ['UPDATE users.id', sql`update users set id = id || 'x'`],
    ['DELETE api_keys', sql`delete from api_keys`],
    ['UPDATE api_keys.key_hash', sql`update api_keys set key_hash = 'x'`],
    ['CREATE TABLE', sql`create table sneaky (id int)`],
    ['DROP TRIGGER', sql`drop trigger credit_logs_append_only on credit_logs`],
    ['ALTER TABLE', sql`alter table credit_logs disable trigger all`],
    ['CREATE SCHEMA', sql`create schema sneaky`],
  ])('refuses %s', async (_name, statement) => {
    const before = (await rdb.owner.execute(sql`select count(*)::int as n from credit_logs`)).rows[0]
    const err = await app.execute(statement).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err, 'the statement must fail').toBeDefined()
    expect(code(err)).toBe('42501')
    expect((await rdb.owner.execute(sql`select count(*)::int as n from credit_logs`)).rows[0]).toEqual(before)
  })

  it('the owner is still stopped by the append-only trigger (second line of defence)', async () => {
    const err = await rdb.owner.execute(sql`update credit_logs set cost = 0`).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(code(err)).toBe('23001')
  })
})
